// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Foundation
import Logging
import OClusterAPI

/// A scheduler service named by a sturdy ref (a `.cap` file): connects to it, submits builds
/// that survive lost connections, and closes the connection again.
///
/// The way into the cluster for the CLIs and for programs: `Connection(capFile:)` reads the file.
/// Programs call ``submit(_:pool:urgent:)`` (or ``build(_:pool:source:cacheHint:secrets:urgent:)``,
/// ``buildAndPush(_:to:pool:source:cacheHint:secrets:urgent:)``,
/// ``buildOBuilder(spec:pool:source:cacheHint:secrets:urgent:)``): the connection is made on
/// demand and made again, with backoff, whenever it is lost, and builds whose job went with it
/// are submitted again, at most ``maxPipeline`` at a time per pool and urgency (as ocluster's
/// OCurrent plugin does). The CLIs use ``connect(progress:)``, one connection that fails as
/// ocluster's CLIs fail.
public final class Connection: Sendable {
    /// The service's sturdy ref.
    public let ref: SturdyRef
    /// How many builds may be queued at the scheduler at once for each pool and urgency (from
    /// submission until a worker takes them); the rest wait in this process.
    public let maxPipeline: Int
    private let vat: Vat
    let link: SubmissionLink
    let limiter: PipelineLimiter

    /// A connection to the service `ref` names, through `vat` (by default a client-only vat of
    /// its own, with a fresh key on the first TLS dial).
    ///
    /// - Parameters:
    ///   - maxPipeline: builds queued at the scheduler at once per pool and urgency (200 as in
    ///     the OCurrent plugin).
    ///   - reconnect: how long to wait between attempts to connect (by default 1 s doubling to
    ///     10 s, the OCurrent plugin's fixed delay).
    ///   - logger: where reconnections are logged.
    public init(
        ref: SturdyRef,
        vat: Vat = Vat(),
        maxPipeline: Int = 200,
        reconnect: ReconnectBackoff.Configuration = Connection.defaultReconnect,
        logger: Logger = Logger(label: "ocluster.client")
    ) {
        self.ref = ref
        self.vat = vat
        self.maxPipeline = max(maxPipeline, 1)
        link = SubmissionLink(vat: vat, ref: ref, backoff: reconnect, logger: logger)
        limiter = PipelineLimiter(limit: maxPipeline)
    }

    /// Retries after 1 s, 2 s, 4 s… up to 10 s.
    public static let defaultReconnect = ReconnectBackoff.Configuration(
        initialDelay: .seconds(1),
        maximumDelay: .seconds(10)
    )

    /// A connection to the service named by a `.cap` file, or by a `capnp://` URI given as is.
    ///
    /// - Throws: ``OClusterClientErrorCode/capFile`` with capnp-rpc's message when the file is
    ///   missing or holds no sturdy ref.
    public convenience init(
        capFile pathOrURI: String,
        vat: Vat = Vat(),
        maxPipeline: Int = 200,
        reconnect: ReconnectBackoff.Configuration = Connection.defaultReconnect,
        logger: Logger = Logger(label: "ocluster.client")
    ) throws(OClusterClientError) {
        self.init(
            ref: try Self.load(pathOrURI),
            vat: vat,
            maxPipeline: maxPipeline,
            reconnect: reconnect,
            logger: logger
        )
    }

    /// Dials the service and returns it once the connection is up.
    ///
    /// An unknown service ID is not noticed here: the first call on the service fails with
    /// `Unknown persistent service ID`, as with capnp-rpc.
    ///
    /// - Parameter progress: how to tell a person that this is happening.
    /// - Throws: ``OClusterClientErrorCode/connection`` with capnp-rpc's message (e.g.
    ///   `Failed: Network connection for tcp:HOST:PORT failed: …`).
    public func connect(progress: ConnectProgress = .silent) async throws(OClusterClientError) -> Capability {
        let address = ref.address.ocamlDescription
        switch progress {
        case .silent:
            return try await dial()
        case .batch(let write):
            write("Connecting to \(address)... ")
            do {
                let capability = try await dial()
                write("OK\n")
                return capability
            } catch {
                write("ERROR\n")
                throw error
            }
        case .console(let write):
            return try await ConsoleMessage(write: write).showing(
                "[ connecting to \(address) ]",
                after: .milliseconds(500)
            ) { () async throws(OClusterClientError) -> Capability in
                try await dial()
            }
        case .log(let logger):
            logger.info("Connecting to \(address)...")
            let capability = try await dial()
            logger.info("Connected to \(address)")
            return capability
        }
    }

    /// A ticket saved with ``JobHandle/saveTicket()``, restored over a new connection to the same
    /// scheduler (the address and key of ``ref``), dialling again with `backoff` for at most
    /// `patience` (a restarting scheduler); nil if it cannot be dialled by then. A ticket the
    /// scheduler no longer knows fails on its first call.
    public func reattach(
        ticket id: ServiceID,
        patience: Duration = .seconds(60),
        backoff: ReconnectBackoff.Configuration = Connection.defaultReconnect
    ) async -> JobHandle? {
        guard let capability = await redial(id, patience: patience, backoff: backoff) else { return nil }
        let ticket = Ticket.Client(capability)
        let job = await ticket.job { _, _ in }
        return JobHandle(ticket: ticket, job: Job.Client(job.pipeline(0)))
    }

    /// The service `id` (by default the one ``ref`` names) over a new connection, after a lost one,
    /// dialling again with `backoff` for at most `patience`; nil if it cannot be dialled by then.
    public func redial(
        _ id: ServiceID? = nil,
        patience: Duration = .seconds(60),
        backoff: ReconnectBackoff.Configuration = Connection.defaultReconnect
    ) async -> Capability? {
        let deadline = ContinuousClock.now + patience
        var attempts = ReconnectBackoff(configuration: backoff)
        // The old connection may not have noticed yet that it is dead.
        await vat.disconnect(from: ref)
        let target = SturdyRef(address: ref.address, authentication: ref.authentication, serviceID: id ?? ref.serviceID)
        while ContinuousClock.now < deadline {
            if let capability = try? await vat.connect(target) { return capability }
            guard (try? await Task.sleep(for: attempts.failed(uptime: .zero, randomFraction: 0.5))) != nil else {
                return nil
            }
        }
        return nil
    }

    /// The `Submission` service a client `.cap` names.
    public func submission(progress: ConnectProgress = .silent) async throws(OClusterClientError) -> Submission.Client {
        Submission.Client(try await connect(progress: progress))
    }

    /// The `Admin` service the scheduler's `admin.cap` names.
    public func admin(progress: ConnectProgress = .silent) async throws(OClusterClientError) -> Admin.Client {
        Admin.Client(try await connect(progress: progress))
    }

    /// Closes the connection; capabilities obtained through it fail afterwards, and builds still
    /// running end with ``OClusterClientErrorCode/connection``.
    public func close() async {
        await vat.shutdown()
    }

    private func dial() async throws(OClusterClientError) -> Capability {
        do {
            return try await vat.connect(ref)
        } catch {
            throw OClusterClientError(
                .connection,
                "Failed: \(Self.describe(error, connecting: ref.address))",
                cause: error
            )
        }
    }
}

extension Connection {
    /// Loads the sturdy ref, with capnp-rpc-unix's messages for the usual mistakes.
    static func load(_ pathOrURI: String) throws(OClusterClientError) -> SturdyRef {
        let text: String
        if pathOrURI.hasPrefix("capnp://") {
            text = pathOrURI
        } else {
            guard FileManager.default.fileExists(atPath: pathOrURI) else {
                throw OClusterClientError(.capFile, "File \(ocamlQuoted(pathOrURI)) does not exist")
            }
            guard let data = FileManager.default.contents(atPath: pathOrURI) else {
                throw OClusterClientError(.capFile, "Error loading \(ocamlQuoted(pathOrURI)): cannot read the file")
            }
            text = String(decoding: data, as: UTF8.self).trimmingOCamlWhitespace
        }
        if let problem = schemeProblem(text) { throw OClusterClientError(.capFile, problem) }
        do {
            return try SturdyRef(parsing: text)
        } catch {
            throw OClusterClientError(.capFile, (error as? NetworkError)?.message ?? "\(error)", cause: error)
        }
    }

    /// capnp-rpc's complaint about a URI's scheme, if it has one.
    private static func schemeProblem(_ uri: String) -> String? {
        // RFC 3986: a scheme is a letter followed by letters, digits, '+', '-' or '.', then ':'.
        let scheme = uri.prefix { $0 != ":" && $0 != "/" && $0 != "?" && $0 != "#" }
        let isScheme =
            scheme.count < uri.count && uri[scheme.endIndex] == ":" && (scheme.first?.isASCIILetter ?? false)
            && scheme.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || "+-.".contains($0) }
        guard isScheme else { return "Missing scheme in \(uri) (expected 'capnp://...')" }
        guard scheme.lowercased() == "capnp" else {
            return "Unknown scheme \(ocamlQuoted(scheme.lowercased())) (expected 'capnp://...')"
        }
        return nil
    }

    /// A connection failure in capnp-rpc-unix's words where it has some.
    static func describe(_ error: any Error, connecting address: VatAddress) -> String {
        if let error = error as? NetworkError, error.code == .connectionFailed {
            let host: String? = if case .tcp(let host, _) = address { host } else { nil }
            return "Network connection for \(address.ocamlDescription) failed:\n  "
                + (UnixError(describing: error, host: host)?.ocamlDescription ?? error.message)
        }
        if let error = error as? NetworkError { return error.message }
        return RPCError.from(error).reason
    }
}

extension VatAddress {
    /// As capnp-rpc prints a location: `tcp:HOST:PORT` or `unix:PATH`.
    var ocamlDescription: String {
        switch self {
        case .tcp(let host, let port): "tcp:\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }
}

extension Character {
    fileprivate var isASCIILetter: Bool { isASCII && isLetter }
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    /// Without OCaml's `String.trim` whitespace (space, tab, CR, LF, form feed) at either end.
    var trimmingOCamlWhitespace: String {
        let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0x0C]
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !space.contains($0) }),
            let last = bytes.lastIndex(where: { !space.contains($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}

extension Connection {
    /// Connects, runs `body` with the service, and closes the connection however `body` ends
    /// (capnp-rpc-unix's `with_cap_exn`).
    ///
    /// - Throws: what ``connect(progress:)`` and `body` throw.
    public func withService<T>(
        progress: ConnectProgress = .silent,
        _ body: (Capability) async throws -> T
    ) async throws -> T {
        do {
            let result = try await body(try await connect(progress: progress))
            await close()
            return result
        } catch {
            await close()
            throw error
        }
    }
}
