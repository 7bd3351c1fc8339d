// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OClusterCLISupport
import OClusterClient

struct AddClient: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-client",
        abstract: "Create a new client endpoint for submitting jobs (prints its URI; redirect it to a .cap file)."
    )
    static let synopsis = "add-client [--connect=ADDR] [OPTION]… ID"
    @OptionGroup var common: Common
    @Argument(help: ArgumentHelp("Unique name or ID for the client.", valueName: "ID")) var id: String?

    func run() async throws {
        try await common.run(requiring: [("ID", id)]) { try await $0.addClient(id ?? "") }
    }
}

struct RemoveClient: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(commandName: "remove-client", abstract: "Unregister a client.")
    static let synopsis = "remove-client [--connect=ADDR] [OPTION]… ID"
    @OptionGroup var common: Common
    @Argument(help: ArgumentHelp("Unique name or ID for the client.", valueName: "ID")) var id: String?

    func run() async throws {
        try await common.run(requiring: [("ID", id)]) { try await $0.removeClient(id ?? "") }
    }
}

struct ListClients: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(commandName: "list-clients", abstract: "List registered clients.")
    static let synopsis = "list-clients [--connect=ADDR] [OPTION]…"
    @OptionGroup var common: Common

    func run() async throws { try await common.run { try await $0.listClients() } }
}

struct SetRate: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-rate",
        abstract: "Set expected number of parallel jobs for a pool/client combination."
    )
    static let synopsis = "set-rate [--connect=ADDR] [OPTION]… POOL ID RATE"
    @OptionGroup var common: Common
    @Argument(help: ArgumentHelp("Pool to use.", valueName: "POOL")) var pool: String?
    @Argument(help: ArgumentHelp("Unique name or ID for the client.", valueName: "ID")) var client: String?
    @Argument(help: ArgumentHelp("Number of parallel jobs.", valueName: "RATE")) var rate: String?

    func run() async throws {
        try Common.require([("POOL", pool), ("ID", client), ("RATE", rate)])
        let rate = try OCamlFloat.parse(rate ?? "")
        try await common.run { try await $0.setRate(pool: pool ?? "", client: client ?? "", rate: rate) }
    }
}

struct Show: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show information about a service, pool or worker."
    )
    static let synopsis = "show [--connect=ADDR] [--terse] [OPTION]… [POOL] [WORKER]"
    @OptionGroup var common: Common
    @Flag(help: "Just list names of the workers.") var terse = false
    @Argument(help: ArgumentHelp("Pool to use.", valueName: "POOL")) var pool: String?
    @Argument(help: ArgumentHelp("Worker id.", valueName: "WORKER")) var worker: String?

    func run() async throws {
        try await common.run { try await $0.show(pool: pool, worker: worker, terse: terse) }
    }
}

struct Exec: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Execute a command for each worker in a pool.",
        discussion: "{} in the command is replaced by the worker name, e.g. ocluster-admin exec POOL -- ssh {} uptime."
    )
    static let synopsis = "exec [--connect=ADDR] [OPTION]… POOL CMD…"
    @OptionGroup var common: Common
    @Argument(help: ArgumentHelp("Pool to use.", valueName: "POOL")) var pool: String?
    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments.", valueName: "CMD"))
    var command: [String] = []

    func run() async throws {
        let command = self.command.first == "--" ? Array(self.command.dropFirst()) : self.command
        try await common.run(requiring: [("POOL", pool), ("CMD", command.isEmpty ? nil : "")]) { session in
            try await session.exec(pool: pool ?? "", command: command)
        }
    }
}

/// The options `pause` and `unpause` share.
struct WorkerSelection: ParsableArguments {
    @Flag(help: "All workers.") var all = false
    @Flag(name: .customLong("auto-create"), help: "Create worker first if unknown.") var autoCreate = false
    @Argument(help: ArgumentHelp("Pool to use.", valueName: "POOL")) var pool: String?
    @Argument(help: ArgumentHelp("Worker id.", valueName: "WORKER")) var worker: String?
}

struct Pause: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Set a worker to be unavailable for further jobs.",
        aliases: ["pause-worker"]
    )
    static let synopsis = "pause [OPTION]… POOL [WORKER]"
    @OptionGroup var common: Common
    @OptionGroup var selection: WorkerSelection
    @Flag(help: "Wait until no jobs are running.") var wait = false

    func run() async throws {
        try await common.run(requiring: [("POOL", selection.pool)]) { session in
            try await session.setActive(
                false,
                pool: selection.pool ?? "",
                worker: selection.worker,
                all: selection.all,
                autoCreate: selection.autoCreate,
                wait: wait
            )
        }
    }
}

struct Unpause: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpause",
        abstract: "Resume a paused worker.",
        aliases: ["unpause-worker"]
    )
    static let synopsis = "unpause [--all] [--auto-create] [--connect=ADDR] [OPTION]… POOL [WORKER]"
    @OptionGroup var common: Common
    @OptionGroup var selection: WorkerSelection

    func run() async throws {
        try await common.run(requiring: [("POOL", selection.pool)]) { session in
            try await session.setActive(
                true,
                pool: selection.pool ?? "",
                worker: selection.worker,
                all: selection.all,
                autoCreate: selection.autoCreate,
                wait: false
            )
        }
    }
}

struct Update: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Drain and then update worker(s).")
    static let synopsis = "update [--connect=ADDR] [OPTION]… POOL [WORKER]"
    @OptionGroup var common: Common
    @Argument(help: ArgumentHelp("Pool to use.", valueName: "POOL")) var pool: String?
    @Argument(help: ArgumentHelp("Worker id.", valueName: "WORKER")) var worker: String?

    func run() async throws {
        try await common.run(requiring: [("POOL", pool)]) { try await $0.update(pool: pool ?? "", worker: worker) }
    }
}

struct Forget: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(commandName: "forget", abstract: "Forget about an old worker.")
    static let synopsis = "forget [--connect=ADDR] [OPTION]… POOL [WORKER]"
    @OptionGroup var common: Common
    @Argument(help: ArgumentHelp("Pool to use.", valueName: "POOL")) var pool: String?
    @Argument(help: ArgumentHelp("Worker id.", valueName: "WORKER")) var worker: String?

    func run() async throws {
        try await common.run(requiring: [("POOL", pool)]) { try await $0.forget(pool: pool ?? "", worker: worker) }
    }
}
