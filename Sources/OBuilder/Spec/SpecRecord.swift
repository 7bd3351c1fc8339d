// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The fields of an inline record such as `(run (network host) (shell "make"))`, checked the way
/// sexplib checks records: every field is `(NAME …)`, no unknown or repeated names.
///
/// A *list field* (`(src a b c)`) holds any number of values; a *value field* (`(dst d)`) exactly one.
struct SpecRecord {
    private var fields: [String: (field: SExpression, values: [SExpression])] = [:]
    private let kind: String
    private let expression: SExpression

    init(
        _ items: [SExpression],
        of kind: String,
        at expression: SExpression,
        listFields: Set<String>,
        valueFields: Set<String>
    ) throws(OBuilderError) {
        self.kind = kind
        self.expression = expression
        let known = (listFields.union(valueFields)).sorted().joined(separator: ", ")
        for item in items {
            guard let parts = item.listItems, let name = parts.first?.atomText else {
                throw OBuilderSpec.invalid("expected a field (NAME …) of \(kind), found \(item)", item)
            }
            guard listFields.contains(name) || valueFields.contains(name) else {
                throw OBuilderSpec.invalid("unknown field \"\(name)\" in \(kind) (expected one of: \(known))", item)
            }
            guard fields[name] == nil else {
                throw OBuilderSpec.invalid("duplicate field \"\(name)\" in \(kind)", item)
            }
            let values = Array(parts.dropFirst())
            if valueFields.contains(name), values.count != 1 {
                throw OBuilderSpec.invalid("field \"\(name)\" of \(kind) takes exactly one value", item)
            }
            fields[name] = (item, values)
        }
    }

    func has(_ name: String) -> Bool { fields[name] != nil }

    /// The values of a list field (empty when absent).
    func list(_ name: String) -> [SExpression] { fields[name]?.values ?? [] }

    /// The values of a list field, each of which must be an atom.
    func atomList(_ name: String) throws(OBuilderError) -> [String] {
        var out: [String] = []
        for value in list(name) {
            guard let text = value.atomText else {
                throw OBuilderSpec.invalid("field \"\(name)\" of \(kind) takes strings, found \(value)", value)
            }
            out.append(text)
        }
        return out
    }

    /// The single value of a value field, if present.
    func value(_ name: String) -> SExpression? { fields[name]?.values.first }

    /// The single value of a required value field, which must be an atom.
    func requiredAtom(_ name: String) throws(OBuilderError) -> String {
        guard let value = value(name) else {
            throw OBuilderSpec.invalid("\(kind) needs a (\(name) …) field", expression)
        }
        guard let text = value.atomText else {
            throw OBuilderSpec.invalid("field \"\(name)\" of \(kind) takes a string, found \(value)", value)
        }
        return text
    }
}
