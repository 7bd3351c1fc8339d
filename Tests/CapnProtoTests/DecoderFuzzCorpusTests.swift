// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoTestSupport
import Foundation
import Testing

/// Every committed input of the decoder fuzzer (Fuzz/DecoderFuzzer/corpus, minimized by
/// scripts/fuzz.sh) through the fuzzer's own harness, which traps on any broken invariant.
@Suite struct DecoderFuzzCorpusTests {
    @Test func everyCorpusInputDecodesSafely() throws {
        let files = try FuzzCorpus.files(of: "DecoderFuzzer")
        #expect(files.count >= 10, "the committed decoder corpus is missing or nearly empty")
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: file))
            bytes.withUnsafeBytes { DecoderFuzzHarness.run($0) }
        }
    }
}
