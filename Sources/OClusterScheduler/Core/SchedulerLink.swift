// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// How the core's effect closures reach the scheduler that owns the core: weakly (the scheduler owns the
/// core, so a strong reference would keep both alive), and set once the scheduler exists.
final class SchedulerLink: Sendable {
    private let reference = Mutex<WeakScheduler>(WeakScheduler())

    var scheduler: Scheduler? {
        get { reference.withLock { $0.value } }
        set { reference.withLock { $0.value = newValue } }
    }
}

private struct WeakScheduler {
    weak var value: Scheduler?
}
