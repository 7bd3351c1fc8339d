// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// A fresh directory under the system temporary directory.
func makeTemporaryDirectory() throws -> String {
    var template = Array((FileManager.default.temporaryDirectory.path + "/process-runner-test-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    return String(cString: made)
}

/// Waits until `condition` holds, checking every 10 ms, for at most 30 s (the caller's next
/// expectation then fails).
func waitUntil(_ condition: () -> Bool) async {
    let deadline = ContinuousClock.now + .seconds(30)
    while !condition(), ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(10))
    }
}
