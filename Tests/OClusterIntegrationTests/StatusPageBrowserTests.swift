// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The scheduler's status page in a real headless Chromium, following a real cluster (scheduler, worker and
/// client processes) without reloading.
///
/// Runs wherever a browser is installed; under CI (`CI` set) a missing browser fails the test rather than
/// skipping it (``RequiredTool``). `OCLUSTER_STATUS_SCREENSHOT=PATH` saves the screenshot there (as `docs/status-page.png` was
/// made).
@Suite(.serialized, .ownThread) struct StatusPageBrowserTests {
    @Test(.requires("chromium", HeadlessChromium.executable != nil))
    func pageFollowsWorkersAndJobsLive() async throws {
        let cluster = try await ClusterHarness()
        var httpPort = Int.random(in: 20000..<32000)
        while httpPort == cluster.port { httpPort = Int.random(in: 20000..<32000) }
        try await cluster.startScheduler(["--listen-prometheus", "127.0.0.1:\(httpPort)"])
        try await cluster.waitFor("the status page to listen", timeout: 30) { Self.accepts(port: httpPort) }

        let browser = try HeadlessChromium(directory: URL(fileURLWithPath: cluster.path(".")))
        defer { browser.quit() }
        try browser.navigate("http://127.0.0.1:\(httpPort)/")
        let pool = #"document.querySelector('section.pool[data-pool="local"]')"#
        try browser.waitUntil("the pool to render", "\(pool) && \(pool).innerText.includes('No workers')")
        // Set once: a reload would lose it.
        _ = try browser.evaluate("window.loadedOnce = 'yes'")

        try cluster.startWorker("worker-1")
        try browser.waitUntil(
            "worker-1 to show as active",
            #"\#(pool).querySelector('tr[data-worker="worker-1"][data-state="active"]')"#,
            timeout: 60
        )

        let succeeded = #"document.querySelectorAll('section.recent tr[data-outcome="succeeded"]').length"#
        let first = try cluster.submitInBackground(
            "first",
            spec: #"((from busybox) (shell /bin/sh -c) (run (shell "echo first")))"#,
            cacheHint: "first-hint"
        )
        try browser.waitUntil("the first job to show as succeeded", "\(succeeded) === 1", timeout: 120)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0, "\(cluster.log("first"))")

        #expect(try await cluster.admin(["pause-worker", cluster.pool, "worker-1"]).status == 0)
        try browser.waitUntil(
            "worker-1 to show as paused",
            #"\#(pool).querySelector('tr[data-worker="worker-1"][data-state="paused"]')"#
        )
        let client = try cluster.submitInBackground(
            "client",
            spec: #"((from busybox) (shell /bin/sh -c) (run (shell "echo status-page")))"#,
            cacheHint: "status-page-hint"
        )
        try browser.waitUntil(
            "the job to show as queued",
            #"\#(pool).querySelector('.queued-total').textContent === '1' && "#
                + #"\#(pool).innerText.includes('status-page-hint')"#
        )
        let text = try browser.evaluate("document.body.innerText") as? String ?? ""
        #expect(text.contains("admin pause"))
        #expect(text.contains("tester"))
        #expect(text.contains("100%"), "tester, alone, has the whole pool")
        let png = try browser.screenshot()
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        if let path = ProcessInfo.processInfo.environment["OCLUSTER_STATUS_SCREENSHOT"] {
            try png.write(to: URL(fileURLWithPath: path))
        }

        #expect(try await cluster.admin(["unpause-worker", cluster.pool, "worker-1"]).status == 0)
        try browser.waitUntil("the second job to show as succeeded", "\(succeeded) === 2", timeout: 120)
        client.waitUntilExit()
        #expect(client.terminationStatus == 0, "\(cluster.log("client"))")
        // Names are shown as text, never markup: a client named like an HTML tag injects nothing.
        let hostile = #"<img src=x onerror="window.injected=1">"#
        #expect(try await cluster.admin(["add-client", hostile]).status == 0)
        #expect(try await cluster.admin(["set-rate", cluster.pool, hostile, "2"]).status == 0)
        try browser.waitUntil("the odd client to show", "\(pool).innerText.includes('<img src=x onerror=')")
        let injected = try browser.evaluate(
            "window.injected !== undefined || document.querySelector('main img') !== null"
        )
        #expect(injected as? Bool == false)
        #expect(try browser.evaluate("window.loadedOnce") as? String == "yes", "the page reloaded")
        #expect((try browser.evaluate("window.statusUpdates") as? Int ?? 0) >= 3)
        withExtendedLifetime(cluster) {}
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
