// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension OBuilderSpec {
    /// Parses spec text, checking that every `copy (from (build NAME))` names a build in scope.
    ///
    /// Errors carry the position of the offending expression, e.g.
    /// `line 3, column 5: unknown operation "rnu" (expected one of: …)`.
    public static func parse(_ text: String) throws(OBuilderError) -> OBuilderSpec {
        try OBuilderSpec(SExpressionParser.parse(text))
    }

    /// Decodes and validates a spec from an already-parsed S-expression.
    public init(_ expression: SExpression) throws(OBuilderError) {
        self = try Self.decode(expression)
        try validate(scope: [])
    }

    private static func decode(_ expression: SExpression) throws(OBuilderError) -> OBuilderSpec {
        guard let items = expression.listItems else {
            throw invalid("a spec must be a list: ((from IMAGE) OP…)", expression)
        }
        var childBuilds: [ChildBuild] = []
        for (index, item) in items.enumerated() {
            let parts = item.listItems ?? []
            if parts.count == 3, parts[0].atomText == "build", let name = parts[1].atomText {
                guard parts[2].listItems != nil else {
                    throw invalid("(build NAME SPEC) needs a list for SPEC", parts[2])
                }
                childBuilds.append(ChildBuild(name: name, spec: try decode(parts[2])))
            } else if parts.count == 2, parts[0].atomText == "from", let from = parts[1].atomText {
                let operations = try items[(index + 1)...].map { (op) throws(OBuilderError) in try Operation(op) }
                return OBuilderSpec(childBuilds: childBuilds, from: from, operations: operations)
            } else if parts.first?.atomText == "from" {
                throw invalid("(from IMAGE) takes exactly one image name", item)
            } else if parts.first?.atomText == "build" {
                throw invalid("expected (build NAME SPEC)", item)
            } else {
                throw invalid("expected (build NAME SPEC) or (from IMAGE) here, found \(item)", item)
            }
        }
        throw invalid("missing (from IMAGE)", expression)
    }

    private func validate(scope: [String]) throws(OBuilderError) {
        var scope = scope
        for child in childBuilds {
            try child.spec.validate(scope: scope)
            scope.append(child.name)
        }
        for operation in operations {
            guard case .copy(let copy) = operation, case .build(let name) = copy.from, !scope.contains(name) else {
                continue
            }
            let hint =
                scope.isEmpty
                ? "no builds are in scope"
                : "builds in scope: " + scope.map { "\"\($0)\"" }.joined(separator: ", ")
            throw OBuilderError(.invalidSpec, "unknown build \"\(name)\" in \(operation.expression) (\(hint))")
        }
    }

    static func invalid(_ message: String, _ at: SExpression) -> OBuilderError {
        OBuilderError(.invalidSpec, message, position: at.position)
    }
}

extension OBuilderSpec.Operation {
    private static let names = ["comment", "workdir", "shell", "run", "copy", "user", "env"]

    /// Decodes one operation such as `(run (shell "make"))`.
    public init(_ expression: SExpression) throws(OBuilderError) {
        guard let items = expression.listItems, let head = items.first, let rawName = head.atomText else {
            throw OBuilderSpec.invalid("expected an operation such as (run …), found \(expression)", expression)
        }
        // sexplib matches constructor names after capitalising the first letter, so `Run` works too.
        let name = rawName.prefix(1).lowercased() + rawName.dropFirst()
        let args = Array(items.dropFirst())
        switch name {
        case "comment": self = .comment(try Self.atoms(args, exactly: 1, in: expression, usage: "(comment TEXT)")[0])
        case "workdir": self = .workdir(try Self.atoms(args, exactly: 1, in: expression, usage: "(workdir DIR)")[0])
        case "shell": self = .shell(try Self.atoms(args, exactly: nil, in: expression, usage: "(shell ARG…)"))
        case "env":
            let pair = try Self.atoms(args, exactly: 2, in: expression, usage: "(env NAME VALUE)")
            self = .env(name: pair[0], value: pair[1])
        case "run": self = .run(try Self.decodeRun(args, in: expression))
        case "copy": self = .copy(try Self.decodeCopy(args, in: expression))
        case "user": self = .user(try Self.decodeUser(args, in: expression))
        default:
            throw OBuilderSpec.invalid(
                "unknown operation \"\(rawName)\" (expected one of: \(Self.names.joined(separator: ", ")))",
                head
            )
        }
    }

    private static func atoms(
        _ args: [SExpression],
        exactly count: Int?,
        in expression: SExpression,
        usage: String
    ) throws(OBuilderError) -> [String] {
        if let count, args.count != count {
            throw OBuilderSpec.invalid("expected \(usage), found \(expression)", expression)
        }
        var out: [String] = []
        for arg in args {
            guard let text = arg.atomText else {
                throw OBuilderSpec.invalid("expected a string in \(usage), found the list \(arg)", arg)
            }
            out.append(text)
        }
        return out
    }

    private static func decodeRun(
        _ args: [SExpression],
        in expression: SExpression
    ) throws(OBuilderError)
        -> OBuilderSpec.Run
    {
        let record = try SpecRecord(
            args,
            of: "run",
            at: expression,
            listFields: ["cache", "network", "secrets"],
            valueFields: ["shell"]
        )
        return OBuilderSpec.Run(
            cache: try record.list("cache").map { (item) throws(OBuilderError) in try decodeMount(item, kind: "cache")
            },
            network: try record.atomList("network"),
            secrets: try record.list("secrets").map { (item) throws(OBuilderError) in
                try decodeMount(item, kind: "secret")
            },
            shell: try record.requiredAtom("shell")
        )
    }

    private static func decodeMount(
        _ expression: SExpression,
        kind: String
    ) throws(OBuilderError)
        -> OBuilderSpec.Mount
    {
        guard let items = expression.listItems, let id = items.first?.atomText else {
            throw OBuilderSpec.invalid("expected a \(kind) of the form (NAME (target PATH))", expression)
        }
        let record = try SpecRecord(
            Array(items.dropFirst()),
            of: kind,
            at: expression,
            listFields: ["buildkit_options"],
            valueFields: ["target"]
        )
        var options: [OBuilderSpec.KeyValue] = []
        for option in record.list("buildkit_options") {
            guard let pair = option.listItems, pair.count == 2, let key = pair[0].atomText,
                let value = pair[1].atomText
            else {
                throw OBuilderSpec.invalid("expected a buildkit option (KEY VALUE), found \(option)", option)
            }
            options.append(OBuilderSpec.KeyValue(key: key, value: value))
        }
        return OBuilderSpec.Mount(id: id, target: try record.requiredAtom("target"), buildkitOptions: options)
    }

    private static func decodeCopy(
        _ args: [SExpression],
        in expression: SExpression
    ) throws(OBuilderError)
        -> OBuilderSpec.Copy
    {
        let record = try SpecRecord(
            args,
            of: "copy",
            at: expression,
            listFields: ["src", "exclude"],
            valueFields: ["from", "dst"]
        )
        var source = OBuilderSpec.Copy.Source.context
        if let from = record.value("from") {
            let parts = from.listItems ?? []
            if from.atomText == "context" {
                source = .context
            } else if parts.count == 2, parts[0].atomText == "build", let name = parts[1].atomText {
                source = .build(name)
            } else {
                throw OBuilderSpec.invalid("invalid data source \(from): expected context or (build NAME)", from)
            }
        }
        guard record.has("src") else {
            throw OBuilderSpec.invalid("copy needs a (src PATH…) field", expression)
        }
        return OBuilderSpec.Copy(
            from: source,
            src: try record.atomList("src"),
            dst: try record.requiredAtom("dst"),
            exclude: try record.atomList("exclude")
        )
    }

    private static func decodeUser(
        _ args: [SExpression],
        in expression: SExpression
    ) throws(OBuilderError)
        -> OBuilderSpec.User
    {
        func field(_ item: SExpression, _ name: String) -> String? {
            guard let parts = item.listItems, parts.count == 2, parts[0].atomText == name else { return nil }
            return parts[1].atomText
        }
        if args.count == 1, let name = field(args[0], "name") {
            return .windows(name: name)
        }
        guard args.count == 2, let uidText = field(args[0], "uid"), let gidText = field(args[1], "gid") else {
            throw OBuilderSpec.invalid("expected (user (uid N) (gid N)) or (user (name NAME))", expression)
        }
        guard let uid = Int(uidText), uid >= 0, uid <= Int(UInt32.max) else {
            throw OBuilderSpec.invalid("uid must be a non-negative integer, found \"\(uidText)\"", args[0])
        }
        guard let gid = Int(gidText), gid >= 0, gid <= Int(UInt32.max) else {
            throw OBuilderSpec.invalid("gid must be a non-negative integer, found \"\(gidText)\"", args[1])
        }
        return .unix(uid: uid, gid: gid)
    }
}
