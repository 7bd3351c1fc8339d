// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoTestSupport
import Foundation
import Testing

/// Every committed input of the RPC fuzzer (Fuzz/RPCFuzzer/corpus, minimized by scripts/fuzz.sh)
/// through the fuzzer's own harness: a connection fed a hostile peer's messages must neither trap
/// nor leave a connection, server or capability behind after teardown.
@Suite struct RPCFuzzCorpusTests {
    @Test func everyCorpusInputLeavesNothingBehind() async throws {
        let files = try FuzzCorpus.files(of: "RPCFuzzer")
        #expect(files.count >= 10, "the committed RPC corpus is missing or nearly empty")
        // The harness runs the engine on its calling thread; give it a thread of its own rather
        // than a cooperative-pool thread that other tests share.
        let problems = await withCheckedContinuation { continuation in
            Thread {
                var problems: [String] = []
                for file in files {
                    guard let bytes = FileManager.default.contents(atPath: file.path) else {
                        problems.append("\(file.lastPathComponent): unreadable")
                        continue
                    }
                    if let problem = RPCFuzzHarness.check([UInt8](bytes)) {
                        problems.append("\(file.lastPathComponent): \(problem)")
                    }
                }
                continuation.resume(returning: problems)
            }.start()
        }
        #expect(problems.isEmpty, "\(problems)")
    }
}
