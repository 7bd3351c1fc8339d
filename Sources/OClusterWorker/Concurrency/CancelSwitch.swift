// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Synchronization

/// A one-way switch that stops a job: once turned off, it stays off and runs the hooks that
/// were registered on it (killing subprocesses, mostly).
///
/// This is ocluster's `Lwt_switch` for a job. It is separate from task cancellation on
/// purpose: the git steps of a job deliberately run on a switch of their own that the client
/// cannot turn off, so a cancelled job never leaves a half-updated repository cache.
public final class CancelSwitch: Sendable {
    private struct State {
        var isOn = true
        var nextHook = 0
        var hooks: [Int: @Sendable () -> Void] = [:]
    }

    /// A registered hook; pass it to ``remove(_:)`` once the hook is no longer needed.
    public struct Hook: Sendable, Hashable {
        fileprivate let id: Int
    }

    private let state = Mutex(State())

    /// Creates a switch that is on.
    public init() {}

    /// Whether the switch is still on (the job may go on).
    public var isOn: Bool { state.withLock { $0.isOn } }

    /// Turns the switch off and runs every registered hook once. Later calls do nothing.
    public func turnOff() {
        let hooks: [@Sendable () -> Void] = state.withLock { state in
            guard state.isOn else { return [] }
            state.isOn = false
            defer { state.hooks = [:] }
            return state.hooks.sorted { $0.key < $1.key }.map(\.value)
        }
        for hook in hooks { hook() }
    }

    /// Registers `hook` to run when the switch is turned off; if it already is, runs it now.
    ///
    /// - Returns: a handle for ``remove(_:)``, or `nil` when the hook ran at once.
    @discardableResult
    public func onTurnOff(_ hook: @escaping @Sendable () -> Void) -> Hook? {
        let id: Int? = state.withLock { state in
            guard state.isOn else { return nil }
            let id = state.nextHook
            state.nextHook += 1
            state.hooks[id] = hook
            return id
        }
        guard let id else {
            hook()
            return nil
        }
        return Hook(id: id)
    }

    /// Forgets a hook registered with ``onTurnOff(_:)``.
    public func remove(_ hook: Hook?) {
        guard let hook else { return }
        _ = state.withLock { $0.hooks.removeValue(forKey: hook.id) }
    }

    /// Throws ``WorkerErrorCode/cancelled`` if the switch is off.
    public func check() throws {
        if !isOn { throw WorkerError(.cancelled, "Job cancelled") }
    }
}
