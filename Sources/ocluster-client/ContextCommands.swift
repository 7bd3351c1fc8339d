// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OClusterCLISupport
import OClusterClient

/// `ocluster-client context …`: named capabilities, so that `-c` can be left out. Run apart from
/// the submit commands (see main.swift), so that ocluster's command list and messages stay as
/// they are.
struct ContextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocluster-client context",
        abstract: "Manage named clusters (contexts), so that -c can be left out.",
        discussion: """
            A context is a private copy of a submission capability (.cap file) and, optionally, a default \
            pool. They are stored under $XDG_CONFIG_HOME/ocluster (default ~/.config/ocluster), readable only \
            by you. Commands given no -c use the context named by $OCLUSTER_CONTEXT, else the current one; \
            ocluster-admin reads the same contexts.
            """,
        subcommands: [ContextAdd.self, ContextUse.self, ContextList.self, ContextRemove.self]
    )
}

/// `context add NAME FILE.cap [--pool P]`.
struct ContextAdd: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a context: copy FILE.cap in, under NAME (the first one added becomes current)."
    )
    static let synopsis = "add [--pool=ID] [OPTION]… NAME FILE"

    @Option(help: ArgumentHelp("The pool submit commands use when given no --pool.", valueName: "ID"))
    var pool: String?

    @Argument(help: ArgumentHelp("The context's name.", valueName: "NAME"))
    var name: String?

    @Argument(help: ArgumentHelp("The capability file to copy.", valueName: "FILE"))
    var file: String?

    func run() async throws {
        let missing = [("NAME", name), ("FILE", file)].filter { $0.1 == nil }.map(\.0)
        guard let name, let file else { throw UsageError.missingArguments(missing) }
        let store = ContextStore()
        let context = try store.add(name, capFile: file, pool: pool)
        let current = store.currentName() == name ? " (current)" : ""
        CommandOutput.standard.out("Added context \(context.name)\(current)")
    }
}

/// `context use NAME`.
struct ContextUse: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(commandName: "use", abstract: "Make NAME the current context.")
    static let synopsis = "use [OPTION]… NAME"

    @Argument(help: ArgumentHelp("The context's name.", valueName: "NAME"))
    var name: String?

    func run() async throws {
        guard let name else { throw UsageError.missingArguments(["NAME"]) }
        try ContextStore().use(name)
        CommandOutput.standard.out("Current context: \(name)")
    }
}

/// `context ls`.
struct ContextList: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the contexts: name, default pool and address; * marks the current one."
    )
    static let synopsis = "ls [OPTION]…"

    func run() async throws {
        let store = ContextStore()
        let current = store.currentName()
        for context in store.list() {
            let address = context.address ?? "?"
            let marker = context.name == current ? "*" : " "
            CommandOutput.standard.out("\(marker) \(context.name)\t\(context.pool ?? "-")\t\(address)")
        }
    }
}

/// `context rm NAME`.
struct ContextRemove: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove context NAME.")
    static let synopsis = "rm [OPTION]… NAME"

    @Argument(help: ArgumentHelp("The context's name.", valueName: "NAME"))
    var name: String?

    func run() async throws {
        guard let name else { throw UsageError.missingArguments(["NAME"]) }
        try ContextStore().remove(name)
        CommandOutput.standard.out("Removed context \(name)")
    }
}
