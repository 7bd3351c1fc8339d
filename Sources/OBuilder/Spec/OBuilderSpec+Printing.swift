// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension OBuilderSpec: CustomStringConvertible {
    /// The spec as an S-expression, in the form ``parse(_:)`` reads (defaults left out, as obuilder
    /// prints them).
    public var expression: SExpression {
        var items = childBuilds.map { child in
            SExpression.list([.atom("build"), .atom(child.name), child.spec.expression])
        }
        items.append(.list([.atom("from"), .atom(from)]))
        items += operations.map(\.expression)
        return .list(items)
    }

    /// The spec laid out as OBuilder's `Spec.pp` lays it out: one item per line, `run` fields
    /// stacked, `copy` on one line when it fits in 78 columns, nested builds indented, and the
    /// closing parenthesis on a line of its own.
    public var description: String {
        guard let items = expression.listItems else { return expression.description }
        return "(" + Self.stack(items, column: 1).joined(separator: "\n") + "\n)"
    }

    /// Lines for `items` printed one below the other starting at `column` (the first line without
    /// its indentation, as the caller has already written the text before it).
    private static func stack(_ items: [SExpression], column: Int) -> [String] {
        var lines: [String] = []
        for (index, item) in items.enumerated() {
            let printed = layout(item, column: column)
            lines.append((index == 0 ? "" : String(repeating: " ", count: column)) + printed[0])
            lines += printed.dropFirst()
        }
        return lines
    }

    private static func layout(_ item: SExpression, column: Int) -> [String] {
        guard let parts = item.listItems, let head = parts.first?.atomText else { return [item.description] }
        let arguments = Array(parts.dropFirst())
        switch head {
        case "build" where arguments.count == 2 && arguments[1].listItems != nil:
            let inner = stack(arguments[1].listItems ?? [], column: column + 8)
            let pad = String(repeating: " ", count: column + 7)
            var lines = ["(build \(arguments[0])", pad + "(" + inner[0]]
            lines += inner.dropFirst()
            lines[lines.count - 1] += "))"
            return lines
        case "run" where arguments.count > 1:
            var lines = stack(arguments, column: column + 5)
            lines[0] = "(run " + lines[0]
            lines[lines.count - 1] += ")"
            return lines
        case "copy" where column + item.description.count > 78:
            var lines = stack(arguments, column: column + 6)
            lines[0] = "(copy " + lines[0]
            lines[lines.count - 1] += ")"
            return lines
        default:
            return [item.description]
        }
    }
}

extension OBuilderSpec.Operation: CustomStringConvertible {
    /// The operation as an S-expression, e.g. `(run (network host) (shell "make"))`.
    public var expression: SExpression {
        func field(_ name: String, _ values: [SExpression]) -> SExpression { .list([.atom(name)] + values) }
        func atoms(_ values: [String]) -> [SExpression] { values.map(SExpression.atom) }
        switch self {
        case .comment(let text): return field("comment", [.atom(text)])
        case .workdir(let dir): return field("workdir", [.atom(dir)])
        case .shell(let args): return field("shell", atoms(args))
        case .env(let name, let value): return field("env", [.atom(name), .atom(value)])
        case .user(.unix(let uid, let gid)):
            return field("user", [field("uid", [.atom(String(uid))]), field("gid", [.atom(String(gid))])])
        case .user(.windows(let name)): return field("user", [field("name", [.atom(name)])])
        case .run(let run):
            var fields: [SExpression] = []
            if !run.cache.isEmpty { fields.append(field("cache", run.cache.map(\.expression))) }
            if !run.network.isEmpty { fields.append(field("network", atoms(run.network))) }
            if !run.secrets.isEmpty { fields.append(field("secrets", run.secrets.map(\.expression))) }
            fields.append(field("shell", [.atom(run.shell)]))
            return field("run", fields)
        case .copy(let copy):
            var fields: [SExpression] = []
            if case .build(let name) = copy.from {
                fields.append(field("from", [.list([.atom("build"), .atom(name)])]))
            }
            fields.append(field("src", atoms(copy.src)))
            fields.append(field("dst", [.atom(copy.dst)]))
            if !copy.exclude.isEmpty { fields.append(field("exclude", atoms(copy.exclude))) }
            return field("copy", fields)
        }
    }

    /// The operation on one line, as in build-log headings.
    public var description: String { expression.description }
}

extension OBuilderSpec.Mount {
    /// `(ID (target PATH))`, plus `(buildkit_options …)` when there are any.
    public var expression: SExpression {
        var items: [SExpression] = [.atom(id), .list([.atom("target"), .atom(target)])]
        if !buildkitOptions.isEmpty {
            items.append(
                .list([.atom("buildkit_options")] + buildkitOptions.map { .list([.atom($0.key), .atom($0.value)]) })
            )
        }
        return .list(items)
    }
}
