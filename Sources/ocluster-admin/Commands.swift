// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OClusterCLISupport

struct AddClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-client",
        abstract: "Create a new client endpoint for submitting jobs (prints its URI; redirect it to a .cap file)."
    )
    @OptionGroup var common: Common
    @Argument(help: "Unique name or ID for the client.") var id: String

    func run() async throws { try await common.run { try await $0.addClient(id) } }
}

struct RemoveClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove-client", abstract: "Unregister a client.")
    @OptionGroup var common: Common
    @Argument(help: "Unique name or ID for the client.") var id: String

    func run() async throws { try await common.run { try await $0.removeClient(id) } }
}

struct ListClients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-clients", abstract: "List registered clients.")
    @OptionGroup var common: Common

    func run() async throws { try await common.run { try await $0.listClients() } }
}

struct SetRate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-rate",
        abstract: "Set expected number of parallel jobs for a pool/client combination."
    )
    @OptionGroup var common: Common
    @Argument(help: "Pool to use.") var pool: String
    @Argument(help: "Unique name or ID for the client.") var client: String
    @Argument(help: "Number of parallel jobs.") var rate: Double

    func run() async throws { try await common.run { try await $0.setRate(pool: pool, client: client, rate: rate) } }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show information about a service, pool or worker."
    )
    @OptionGroup var common: Common
    @Flag(help: "Just list names of the workers.") var terse = false
    @Argument(help: "Pool to use.") var pool: String?
    @Argument(help: "Worker id.") var worker: String?

    func run() async throws {
        try await common.run { try await $0.show(pool: pool, worker: worker, terse: terse) }
    }
}

struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Execute a command for each worker in a pool.",
        discussion: "{} in the command is replaced by the worker name, e.g. ocluster-admin exec POOL -- ssh {} uptime."
    )
    @OptionGroup var common: Common
    @Argument(help: "Pool to use.") var pool: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String]

    func run() async throws {
        let command = self.command.first == "--" ? Array(self.command.dropFirst()) : self.command
        guard !command.isEmpty else { throw ValidationError("Missing command to execute.") }
        try await common.run { try await $0.exec(pool: pool, command: command) }
    }
}

/// The options `pause` and `unpause` share.
struct WorkerSelection: ParsableArguments {
    @Flag(help: "All workers.") var all = false
    @Flag(name: .customLong("auto-create"), help: "Create worker first if unknown.") var autoCreate = false
    @Argument(help: "Pool to use.") var pool: String
    @Argument(help: "Worker id.") var worker: String?
}

struct Pause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Set a worker to be unavailable for further jobs.",
        aliases: ["pause-worker"]
    )
    @OptionGroup var common: Common
    @OptionGroup var selection: WorkerSelection
    @Flag(help: "Wait until no jobs are running.") var wait = false

    func run() async throws {
        try await common.run { session in
            try await session.setActive(
                active: false,
                pool: selection.pool,
                worker: selection.worker,
                all: selection.all,
                autoCreate: selection.autoCreate,
                wait: wait
            )
        }
    }
}

struct Unpause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpause",
        abstract: "Resume a paused worker.",
        aliases: ["unpause-worker"]
    )
    @OptionGroup var common: Common
    @OptionGroup var selection: WorkerSelection

    func run() async throws {
        try await common.run { session in
            try await session.setActive(
                active: true,
                pool: selection.pool,
                worker: selection.worker,
                all: selection.all,
                autoCreate: selection.autoCreate,
                wait: false
            )
        }
    }
}

struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Drain and then update worker(s).")
    @OptionGroup var common: Common
    @Argument(help: "Pool to use.") var pool: String
    @Argument(help: "Worker id.") var worker: String?

    func run() async throws { try await common.run { try await $0.update(pool: pool, worker: worker) } }
}

struct Forget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forget", abstract: "Forget about an old worker.")
    @OptionGroup var common: Common
    @Argument(help: "Pool to use.") var pool: String
    @Argument(help: "Worker id.") var worker: String?

    func run() async throws { try await common.run { try await $0.forget(pool: pool, worker: worker) } }
}
