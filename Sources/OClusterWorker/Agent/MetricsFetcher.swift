// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches a Prometheus endpoint on the worker's machine (a node exporter or an
/// `--additional-metrics` source) for the scheduler, which cannot reach it directly.
enum MetricsFetcher {
    /// GETs `url` and returns its Content-Type and body.
    ///
    /// - Throws: ``WorkerErrorCode/metrics`` when the URL is bad or unreachable, the status
    ///   is not 200, or the Content-Type header is missing (as ocluster requires).
    static func fetch(_ url: String) async throws -> (contentType: String, data: String) {
        guard let target = URL(string: url), target.scheme == "http" || target.scheme == "https" else {
            throw WorkerError(.metrics, "Bad metrics URL \"\(url)\"")
        }
        var request = URLRequest(url: target)
        request.timeoutInterval = 30
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw WorkerError(.metrics, "Failed to connect to \(url): \(error.localizedDescription)", cause: error)
        }
        guard let http = response as? HTTPURLResponse else {
            throw WorkerError(.metrics, "\(url): not an HTTP response")
        }
        guard http.statusCode == 200 else {
            throw WorkerError(.metrics, "\(url): HTTP status \(http.statusCode)")
        }
        guard let contentType = http.value(forHTTPHeaderField: "Content-Type") else {
            throw WorkerError(.metrics, "Missing Content-Type in HTTP response from \(url)")
        }
        return (contentType, String(decoding: data, as: UTF8.self))
    }
}
