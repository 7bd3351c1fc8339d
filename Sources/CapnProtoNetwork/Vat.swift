// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Logging
import Synchronization

/// A Cap'n Proto vat as capnp-rpc-unix runs one: a key, an optional listening socket serving
/// services by sturdy ref, and outgoing connections to other vats' sturdy refs.
///
/// Serving (a scheduler): services are restored by the service ID a client sends in its
/// Bootstrap; an unknown ID gets capnp-rpc's `Unknown persistent service ID`.
///
/// ```swift
/// let key = try SecretKey.loadOrGenerate(path: "secrets/key.pem", logger: logger)
/// let vat = Vat(secretKey: key, listenAddress: try VatAddress(parsing: "tcp:0.0.0.0:9000"),
///               publicAddress: try VatAddress(parsing: "tcp:sched.example.org:9000"))
/// try await vat.start()                                            // binds; port 0 is resolved
/// try CapFile.save(try vat.add(service: admin, name: "admin"), to: "secrets/admin.cap")
/// try await vat.run()                                              // until shutdown()
/// ```
///
/// Dialling (a worker or CLI): ``connect(_:)`` returns the remote service at once (calls are
/// pipelined on the bootstrap). TLS connections are shared per server key digest; insecure ones
/// never are.
///
/// ```swift
/// let vat = Vat()                                                  // client-only, ephemeral key
/// let admin = Admin.Client(try await vat.connect(capFile: "admin.cap"))
/// ```
///
/// Unlike capnp-rpc, accepted connections are not reused for dialling back the same peer, and
/// crossed connections between two listening vats are not de-duplicated (§6.8 of the facts):
/// ocluster's clients and workers only dial, so neither case arises there.
public final class Vat: Sendable {
    /// The vat's key; `nil` for a client-only vat (an ephemeral key is made on the first TLS dial).
    public let secretKey: SecretKey?
    /// Where the vat listens (`--capnp-listen-address`); `nil` for a client-only vat.
    public let listenAddress: VatAddress?
    /// Whether incoming connections use TLS; `false` is `--capnp-disable-tls`.
    public let serveTLS: Bool
    /// The sockets this vat dials and listens with.
    public let network: VatNetwork
    let configuredPublicAddress: VatAddress?
    let logger: Logger
    let services = VatServiceTable()
    let state = Mutex(VatState())
    /// Digests of the service IDs kept reachable on the connection reserve.
    let reservedServices = Mutex<Set<[UInt8]>>([])
    /// Accepted connections open at once (``ConnectionLimits``, fitted to the open-file limit).
    let connectionLimit: Int

    /// Creates a vat that serves on `listenAddress` (call ``start()`` or ``run()``).
    ///
    /// - Parameters:
    ///   - secretKey: the vat key (`--capnp-secret-key-file`): its digest pins TLS and it keys
    ///     derived service IDs.
    ///   - listenAddress: where to listen; `tcp:HOST:0` picks a free port at ``start()``.
    ///   - publicAddress: the address written into sturdy refs (`--capnp-public-address`);
    ///     defaults to the bound listen address. A TCP port of 0 here means "the bound port".
    ///   - serveTLS: `false` serves plain connections only, and refs say `insecure`.
    ///   - network: the sockets to use; by default one presenting `secretKey` when dialling.
    ///   - logger: where connection events go.
    public init(
        secretKey: SecretKey,
        listenAddress: VatAddress,
        publicAddress: VatAddress? = nil,
        serveTLS: Bool = true,
        network: VatNetwork? = nil,
        logger: Logger = Logger(label: "capnp-rpc.vat")
    ) {
        self.secretKey = secretKey
        self.listenAddress = listenAddress
        self.configuredPublicAddress = publicAddress
        self.serveTLS = serveTLS
        self.network = network ?? VatNetwork(clientKey: secretKey, logger: logger)
        self.logger = logger
        self.connectionLimit = self.network.limits.effectiveMaxConnections
    }

    /// Creates a client-only vat (capnp-rpc's `client_only_vat`): it dials sturdy refs and
    /// listens nowhere.
    ///
    /// - Parameter clientKey: the key presented to TLS servers; `nil` makes a fresh RSA-2048 key
    ///   on the first TLS dial, as OCaml clients do.
    public init(
        clientKey: SecretKey? = nil,
        network: VatNetwork? = nil,
        logger: Logger = Logger(label: "capnp-rpc.vat")
    ) {
        self.secretKey = clientKey
        self.listenAddress = nil
        self.configuredPublicAddress = nil
        self.serveTLS = true
        self.network = network ?? VatNetwork(clientKey: clientKey, logger: logger)
        self.logger = logger
        self.connectionLimit = self.network.limits.effectiveMaxConnections
    }

    // MARK: - Services

    /// Makes `service` restorable under `id` and returns its sturdy ref.
    ///
    /// The service is added even when the ref cannot be made yet (see ``sturdyRef(for:)``).
    /// - Throws: ``NetworkErrorCode/invalidAddress`` when the vat has no public address yet.
    @discardableResult
    public func add(service: Capability, id: ServiceID) throws -> SturdyRef {
        services.add(service, id: id)
        return try sturdyRef(for: id)
    }

    /// Makes `service` restorable under the ID derived from `name` (`Vat_config.derived_id`:
    /// HMAC-SHA256 keyed by the SHA-256 of the key file), which stays the same across restarts
    /// with the same key file, so `.cap` files written earlier keep working.
    ///
    /// - Throws: ``NetworkErrorCode/invalidAddress`` when the vat has no key or no public address.
    @discardableResult
    public func add(service: Capability, name: String) throws -> SturdyRef {
        try add(service: service, id: derivedServiceID(name))
    }

    /// Stops restoring `id`. Capabilities already handed out keep working.
    public func remove(id: ServiceID) {
        services.remove(id)
    }

    /// Sets a restorer consulted for IDs not added with ``add(service:id:)``; return `nil` for
    /// unknown ones. ocluster's scheduler looks up SHA-256(id) of submission caps in SQLite here.
    public func setFallbackRestorer(_ restore: (@Sendable (ServiceID) -> Capability?)?) {
        services.setFallback(restore)
    }

    /// The ID derived from `name` with this vat's key (`Vat_config.derived_id`).
    ///
    /// - Throws: ``NetworkErrorCode/invalidSecretKey`` for a client-only vat without a key.
    public func derivedServiceID(_ name: String) throws -> ServiceID {
        guard let secretKey else {
            throw NetworkError(.invalidSecretKey, "this vat has no secret key to derive the ID of \"\(name)\" from")
        }
        return secretKey.derivedServiceID(name)
    }

    /// How sturdy refs to this vat authenticate it: its key digest, or `insecure` without TLS.
    public var authentication: SturdyRef.Authentication {
        guard serveTLS, let secretKey else { return .insecure }
        return .sha256(secretKey.publicKeyDigest)
    }

    /// The address clients dial: the public address, with a TCP port of 0 replaced by the bound
    /// port; else the bound listen address; `nil` before ``start()`` when the port is not known.
    public var publicAddress: VatAddress? {
        let bound = boundAddress
        switch (configuredPublicAddress, bound) {
        case (.tcp(let host, 0)?, .tcp(_, let port)?): return .tcp(host: host, port: port)
        case (.tcp(_, 0)?, _): return nil
        case (let configured?, _): return configured
        case (nil, let bound?): return bound
        case (nil, nil):
            if case .tcp(_, 0)? = listenAddress { return nil }
            return listenAddress
        }
    }

    /// The sturdy ref for `id` on this vat (`Vat.sturdy_ref`), whether or not `id` is served.
    ///
    /// - Throws: ``NetworkErrorCode/invalidAddress`` for a client-only vat, or before
    ///   ``start()`` when the listen port is 0 and no public address says otherwise.
    public func sturdyRef(for id: ServiceID) throws -> SturdyRef {
        guard listenAddress != nil else {
            throw NetworkError(.invalidAddress, "this vat was not configured with an address (it is client-only)")
        }
        guard let address = publicAddress else {
            throw NetworkError(
                .invalidAddress,
                "the vat's port is not known yet: call start() before making sturdy refs, or give a public address"
            )
        }
        return SturdyRef(address: address, authentication: authentication, serviceID: id)
    }
}

/// The mutable part of a ``Vat``.
struct VatState: Sendable {
    var startTask: Task<VatListener, any Error>?
    var listener: VatListener?
    var running = false
    var shutDown = false
    var nextID = 0
    /// Out-going TLS connections, shared per server key digest (with attempts in progress).
    var outgoing: [KeyDigest: (id: Int, task: Task<RPCConnection, any Error>)] = [:]
    /// Every open RPC connection (accepted, out-going TLS, out-going insecure), for shutdown.
    var live: [Int: LiveConnection] = [:]
    /// The tasks that run out-going connections, awaited at shutdown.
    var runners: [Int: Task<Void, Never>] = [:]

    mutating func allocateID() -> Int {
        nextID += 1
        return nextID
    }
}

/// An open RPC connection of a vat.
struct LiveConnection: Sendable {
    let rpc: RPCConnection
    /// The peer's key digest for TLS connections.
    let peer: KeyDigest?
    /// The address dialled, for out-going connections.
    let dialled: VatAddress?
}
