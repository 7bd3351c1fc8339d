// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real headless Chromium driven over the DevTools protocol through `--remote-debugging-pipe`: the browser
/// reads NUL-terminated JSON commands on its descriptor 3 and writes answers and events on 4. No WebSocket,
/// no driver binary, no port: only the browser.
final class HeadlessChromium {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The browser to run: `$OCLUSTER_CHROMIUM`, else the first of Debian's `chromium` and its other names
    /// found on `PATH`.
    static let executable: String? = {
        if let explicit = ProcessInfo.processInfo.environment["OCLUSTER_CHROMIUM"] { return explicit }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in path.split(separator: ":") where access("\(directory)/\(name)", X_OK) == 0 {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }()

    private let pid: pid_t
    private let commands: Int32
    private let answers: Int32
    private var received: [UInt8] = []
    private var nextID = 0
    private var session: String?
    private var exited = false

    /// Starts the browser with a fresh profile in `directory`; its output goes to `directory/chromium.log`.
    init(directory: URL, width: Int = 1280, height: Int = 900) throws {
        guard let executable = Self.executable else {
            throw Failure(description: "no chromium on PATH (Debian: apt-get install chromium)")
        }
        // Both pipes are kept above 4 and close-on-exec: only the copies made at 3 and 4 reach the browser.
        let (childReads, commands) = try Self.pipe()
        let (answers, childWrites) = try Self.pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childReads, 3)
        posix_spawn_file_actions_adddup2(&actions, childWrites, 4)
        let log = directory.appendingPathComponent("chromium.log").path
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let arguments = [
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--remote-debugging-pipe",
            "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
            "--window-size=\(width),\(height)", "about:blank",
        ]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(childReads)
        close(childWrites)
        guard spawned == 0 else {
            close(commands)
            close(answers)
            throw Failure(description: "cannot start \(executable): error \(spawned)")
        }
        self.pid = pid
        self.commands = commands
        self.answers = answers
        try attach(width: width, height: height)
    }

    deinit {
        if !exited {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        close(commands)
        close(answers)
    }

    /// A pipe as (read end, write end), both close-on-exec and numbered above 4 (so that a `dup2` to 3 or 4
    /// always makes a copy).
    private static func pipe() throws -> (Int32, Int32) {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else { throw Failure(description: "pipe: errno \(errno)") }
        let high = ends.map { fcntl($0, F_DUPFD_CLOEXEC, 10) }
        close(ends[0])
        close(ends[1])
        return (high[0], high[1])
    }

    /// Attaches to the browser's first page (flat session mode: page commands carry its session id).
    private func attach(width: Int, height: Int) throws {
        let targets = try call("Target.getTargets", [:], inSession: false)
        let infos = targets["targetInfos"] as? [[String: Any]] ?? []
        var target = infos.first { $0["type"] as? String == "page" }?["targetId"] as? String
        if target == nil {
            target = try call("Target.createTarget", ["url": "about:blank"], inSession: false)["targetId"] as? String
        }
        guard let target else { throw Failure(description: "chromium has no page target") }
        let attached = try call("Target.attachToTarget", ["targetId": target, "flatten": true], inSession: false)
        guard let id = attached["sessionId"] as? String else { throw Failure(description: "no session id") }
        session = id
        _ = try call(
            "Emulation.setDeviceMetricsOverride",
            ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false]
        )
    }

    /// Opens `url` in the page.
    func navigate(_ url: String) throws {
        let answer = try call("Page.navigate", ["url": url])
        if let error = answer["errorText"] as? String { throw Failure(description: "navigating to \(url): \(error)") }
    }

    /// Evaluates a JavaScript expression in the page and returns its value (JSON-compatible values only).
    func evaluate(_ expression: String) throws -> Any? {
        let answer = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        if let exception = answer["exceptionDetails"] as? [String: Any] {
            throw Failure(description: "\(expression) threw: \(exception)")
        }
        return (answer["result"] as? [String: Any])?["value"]
    }

    /// Waits until `expression` is `true` in the page; on time-out the error shows the page's text.
    func waitUntil(_ what: String, _ expression: String, timeout: Double = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try evaluate("Boolean(\(expression))") as? Bool == true { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let text = (try? evaluate("document.body ? document.body.innerText : ''")) as? String ?? ""
        throw Failure(description: "timed out after \(timeout) s waiting for \(what); the page shows:\n\(text)")
    }

    /// A PNG of the whole page, cut at the end of its content.
    func screenshot() throws -> Data {
        let width = try evaluate("document.documentElement.clientWidth") as? Int ?? 1280
        let height = try evaluate("Math.ceil(document.body.getBoundingClientRect().bottom)") as? Int ?? 900
        let clip: [String: Any] = ["x": 0, "y": 0, "width": width, "height": height, "scale": 1]
        let answer = try call(
            "Page.captureScreenshot",
            ["format": "png", "captureBeyondViewport": true, "clip": clip]
        )
        guard let base64 = answer["data"] as? String, let png = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot data")
        }
        return png
    }

    /// Asks the browser to quit and waits for it (killing it after 10 s).
    func quit() {
        _ = try? call("Browser.close", [:], inSession: false, timeout: 10)
        let deadline = Date().addingTimeInterval(10)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        exited = true
    }

    // MARK: - The protocol

    /// Sends one command and waits for its answer, skipping events.
    private func call(
        _ method: String,
        _ parameters: [String: Any],
        inSession: Bool = true,
        timeout: Double = 30
    ) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": parameters]
        if inSession, let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "writing to chromium: errno \(errno)") }
            written += count
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let message = try nextMessage(deadline: deadline, waitingFor: method)
            guard message["id"] as? Int == nextID else { continue }
            if let error = message["error"] as? [String: Any] {
                throw Failure(description: "\(method) failed: \(error)")
            }
            return message["result"] as? [String: Any] ?? [:]
        }
    }

    private func nextMessage(deadline: Date, waitingFor method: String) throws -> [String: Any] {
        while true {
            if let end = received.firstIndex(of: 0) {
                let frame = Data(received[..<end])
                received.removeSubrange(...end)
                if let message = try JSONSerialization.jsonObject(with: frame) as? [String: Any] { return message }
                continue
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Failure(description: "chromium did not answer \(method)") }
            var descriptor = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(min(remaining, 1) * 1000)) >= 0 || errno == EINTR else {
                throw Failure(description: "poll: errno \(errno)")
            }
            guard descriptor.revents != 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            let count = buffer.withUnsafeMutableBytes { read(answers, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "chromium closed its pipe (see chromium.log)") }
            received += buffer[..<count]
        }
    }
}
