// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

/// `ocluster-scheduler --listen-prometheus`: ocluster's `PORT`, or `ADDR:PORT`; anything else is a usage
/// error in Cmdliner's form and status.
struct ListenPrometheusOptionTests {
    @Test(arguments: ["abc", "127.0.0.1:", "::1:9090", "70000"])
    func badValueIsAUsageError(_ value: String) async throws {
        let result = try await ClusterHarness.run(
            try ClusterHarness.executable("ocluster-scheduler").path,
            ["--listen-prometheus", value, "--pools", "p", "--state-dir", "/nonexistent"]
        )
        #expect(result.status == 124)
        #expect(
            result.output.hasPrefix(
                "ocluster-scheduler: option '--listen-prometheus': invalid value '\(value)', expected PORT or "
                    + "ADDR:PORT\nUsage: ocluster-scheduler [OPTION]…\n"
            ),
            "\(result.output)"
        )
    }
}
