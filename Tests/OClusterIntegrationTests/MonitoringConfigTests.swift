// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension EndToEndTests {
    /// deploy/monitoring: the Grafana dashboard parses and draws only metrics the scheduler and a
    /// worker really export, at the paths the Prometheus configuration scrapes.
    @Suite struct MonitoringConfigTests {
        static let directory = ClusterHarness.root.appendingPathComponent("deploy/monitoring")

        /// The metric names the dashboard's queries use.
        static func dashboardMetrics() throws -> Set<String> {
            let data = try Data(contentsOf: directory.appendingPathComponent("grafana-dashboard.json"))
            let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let panels = try #require(dashboard["panels"] as? [[String: Any]])
            #expect(!panels.isEmpty)
            var names = Set<String>()
            for panel in panels {
                let targets = try #require(panel["targets"] as? [[String: Any]], "\(panel["title"] ?? "?")")
                for target in targets {
                    let expr = try #require(target["expr"] as? String)
                    for match in expr.matches(of: #/\b(?:ocluster|prometheus)_[a-z_]+\b/#) {
                        names.insert(String(match.output))
                    }
                }
            }
            return names
        }

        /// Names in a Prometheus text exposition: sample names and `# TYPE` names.
        static func exported(_ text: String) -> Set<String> {
            var names = Set<String>()
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# TYPE ") {
                    names.insert(String(line.dropFirst(7).prefix { $0 != " " }))
                } else if !line.hasPrefix("#") {
                    names.insert(String(line.prefix { $0 != "{" && $0 != " " }))
                }
            }
            return names
        }

        static func get(_ url: String) async throws -> String {
            let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
            #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(url)")
            return String(decoding: data, as: UTF8.self)
        }

        @Test func dashboardNamesExportedMetricsOnly() async throws {
            let wanted = try Self.dashboardMetrics()
            #expect(wanted.contains("ocluster_pool_queue_length"))
            #expect(wanted.contains("ocluster_worker_running_jobs"))

            let cluster = try await ClusterHarness()
            let http = cluster.port + 3
            try cluster.start(
                "scheduler",
                "ocluster-scheduler",
                [
                    "--capnp-secret-key-file", cluster.path("secrets/key.pem"),
                    "--capnp-listen-address", "tcp:127.0.0.1:\(cluster.port)",
                    "--secrets-dir", cluster.path("secrets"),
                    "--state-dir", cluster.path("state"),
                    "--pools", cluster.pool,
                    "--default-clients", "tester",
                    "--listen-prometheus", "\(http)",
                    "-v",
                ]
            )
            try await cluster.waitFor("the scheduler to write its capability files", timeout: 60) {
                FileManager.default.fileExists(atPath: cluster.path("secrets/submit-tester.cap"))
                    && FileManager.default.fileExists(atPath: cluster.path("secrets/pool-\(cluster.pool).cap"))
            }
            try cluster.startWorker("worker-1")
            try await cluster.waitForWorker("worker-1")
            // One job, so that per-client and per-result series exist.
            let job = try await cluster.submit(spec: EndToEndTests.echo)
            #expect(job.status == 0, "\(job.output)")

            // The paths deploy/monitoring/prometheus.yml scrapes.
            let config = try String(
                contentsOf: Self.directory.appendingPathComponent("prometheus.yml"),
                encoding: .utf8
            )
            #expect(config.contains("replacement: /pool/$1/worker/$2/metrics"))
            let scheduler = try await Self.get("http://127.0.0.1:\(http)/metrics")
            let worker = try await Self.get("http://127.0.0.1:\(http)/pool/\(cluster.pool)/worker/worker-1/metrics")
            let exported = Self.exported(scheduler).union(Self.exported(worker))
            let missing = wanted.subtracting(exported).sorted()
            #expect(missing.isEmpty, "the dashboard uses metrics nothing exports: \(missing)")

            // The scrape configuration is valid YAML (Debian's python3-yaml, from install-deps.sh).
            let yaml = try await ClusterHarness.run(
                "/usr/bin/env",
                [
                    "python3", "-c", "import sys, yaml; yaml.safe_load(open(sys.argv[1]))",
                    Self.directory.appendingPathComponent("prometheus.yml").path,
                ]
            )
            #expect(yaml.status == 0, "\(yaml.output)")
        }
    }
}
