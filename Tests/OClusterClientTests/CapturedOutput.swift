// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import OClusterClient
import Synchronization

/// A ``CommandOutput`` that keeps what was written, stdout and stderr apart.
final class CapturedOutput: Sendable {
    private let state = Mutex<(out: [UInt8], err: [UInt8])>(([], []))

    var output: CommandOutput {
        CommandOutput(
            out: { bytes in self.state.withLock { $0.out += bytes } },
            err: { bytes in self.state.withLock { $0.err += bytes } }
        )
    }

    var stdout: String { state.withLock { String(decoding: $0.out, as: UTF8.self) } }
    var stderr: String { state.withLock { String(decoding: $0.err, as: UTF8.self) } }
}
