// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// What the store records about a snapshot, in `snapshots/ID/meta` as an S-expression.
struct SnapshotMetadata: Hashable, Sendable {
    /// The snapshot this one's layer sits on (overlay backend), or nil for a complete tree.
    var lower: String?
    /// A snapshot this one shares storage with and that must outlive it (a ZFS clone's origin).
    var origin: String?
    /// The snapshot it was built from, for information (also set for flattened layers).
    var parent: String?
    /// How many layers the root file system has (1 for a complete tree).
    var depth: Int
    /// Environment recorded with a base image (`NAME=VALUE`), empty for steps.
    var environment: [String]
    /// When the snapshot was made (seconds since the epoch).
    var created: Double

    var expression: SExpression {
        var fields: [SExpression] = []
        if let lower { fields.append(.list([.atom("lower"), .atom(lower)])) }
        if let origin { fields.append(.list([.atom("origin"), .atom(origin)])) }
        if let parent { fields.append(.list([.atom("parent"), .atom(parent)])) }
        fields.append(.list([.atom("depth"), .atom(String(depth))]))
        fields.append(.list([.atom("env"), .list(environment.map(SExpression.atom))]))
        fields.append(.list([.atom("created"), .atom(String(created))]))
        return .list(fields)
    }

    init(lower: String?, origin: String? = nil, parent: String?, depth: Int, environment: [String], created: Double) {
        self.lower = lower
        self.origin = origin
        self.parent = parent
        self.depth = depth
        self.environment = environment
        self.created = created
    }

    /// Reads metadata written by ``expression``; nil if the text is damaged.
    init?(_ text: String) {
        guard let expression = try? SExpressionParser.parse(text), let fields = expression.listItems else {
            return nil
        }
        var lower: String?
        var origin: String?
        var parent: String?
        var depth = 1
        var environment: [String] = []
        var created = 0.0
        for field in fields {
            guard let parts = field.listItems, parts.count == 2, let name = parts[0].atomText else { return nil }
            switch (name, parts[1].atomText) {
            case ("lower", let value?): lower = value
            case ("origin", let value?): origin = value
            case ("parent", let value?): parent = value
            case ("depth", let value?): depth = Int(value) ?? 1
            case ("created", let value?): created = Double(value) ?? 0
            case ("env", nil): environment = parts[1].listItems?.compactMap(\.atomText) ?? []
            default: return nil
            }
        }
        self.init(
            lower: lower,
            origin: origin,
            parent: parent,
            depth: depth,
            environment: environment,
            created: created
        )
    }
}
