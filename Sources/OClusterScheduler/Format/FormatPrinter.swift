// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A pretty-printer with the line-breaking behaviour of OCaml's `Format` module (default margin 78,
/// maximum indentation 68).
///
/// ocluster's admin `show` output is produced by `Format` boxes, so long queues wrap at places that depend
/// on that algorithm's exact rules; this reimplements them (Oppen's algorithm as `Format` does it) so the
/// text matches byte for byte.
struct FormatPrinter {
    /// How the break hints directly inside a box behave.
    enum BoxKind {
        /// Never breaks.
        case horizontal
        /// Every break hint is a newline.
        case vertical
        /// All break hints are newlines unless the whole box fits on the line.
        case horizontalOrVertical
        /// Breaks only when the next piece does not fit (`@[<hov>`).
        case packing
        /// Like packing, but also breaks when that reduces indentation (a plain `@[`).
        case structural
        /// The box was found to fit entirely (internal).
        case fits
    }

    private enum Token {
        case text(String)
        case hint(spaces: Int, offset: Int)
        case open(indent: Int, kind: BoxKind)
        case close
    }

    private struct Queued {
        var size: Int
        let token: Token
        let length: Int
    }

    /// A pending hint or box on the scan stack; `index` points into `queue`, which is never compacted
    /// because a printed token may still be referenced here (as in `Format`, that is harmless).
    private struct Scan {
        let leftTotal: Int
        let index: Int
    }

    private struct OpenBox {
        let kind: BoxKind
        let width: Int
    }

    private static let infinity = 1_000_000_010
    private static let sentinel = Scan(leftTotal: -1, index: -1)

    private let margin: Int
    private let maxIndent: Int
    private var spaceLeft: Int
    private var currentIndent = 0
    private var isNewLine = true
    private var leftTotal = 1
    private var rightTotal = 1
    private var depth = 0
    private var queue: [Queued] = []
    private var head = 0
    private var scanStack: [Scan] = [FormatPrinter.sentinel]
    private var boxes: [OpenBox] = []
    private var output = ""

    init(margin: Int = 78, maxIndent: Int = 68) {
        self.margin = margin
        self.maxIndent = maxIndent
        self.spaceLeft = margin
        // Format always has an outermost packing box that user boxes nest in.
        openBox(.packing)
    }

    /// `@[<kind indent>`.
    mutating func openBox(_ kind: BoxKind, indent: Int = 0) {
        depth += 1
        scanPush(isHint: false, Queued(size: -rightTotal, token: .open(indent: indent, kind: kind), length: 0))
    }

    /// `@]`.
    mutating func closeBox() {
        guard depth > 1 else { return }
        enqueue(Queued(size: 0, token: .close, length: 0))
        setSize(forHint: true)
        setSize(forHint: false)
        depth -= 1
    }

    /// Literal text; its width is its UTF-8 byte count, as in OCaml.
    mutating func text(_ string: String) {
        let width = string.utf8.count
        enqueue(Queued(size: width, token: .text(string), length: width))
        advance()
    }

    /// `@ `: a space, or a newline if needed.
    mutating func space() { hint(spaces: 1, offset: 0) }

    /// `@,`: nothing, or a newline if needed.
    mutating func cut() { hint(spaces: 0, offset: 0) }

    /// A general break hint (`@;<spaces offset>`).
    mutating func hint(spaces: Int, offset: Int) {
        scanPush(isHint: true, Queued(size: -rightTotal, token: .hint(spaces: spaces, offset: offset), length: spaces))
    }

    /// `@.`: closes every open box, prints what is pending and ends the line. Returns all the text.
    mutating func finish() -> String {
        while depth > 1 { closeBox() }
        rightTotal = FormatPrinter.infinity
        advance()
        output += "\n"
        return output
    }

    private mutating func enqueue(_ item: Queued) {
        rightTotal += item.length
        queue.append(item)
    }

    private mutating func scanPush(isHint: Bool, _ item: Queued) {
        enqueue(item)
        if isHint { setSize(forHint: true) }
        scanStack.append(Scan(leftTotal: rightTotal, index: queue.count - 1))
    }

    /// Records the size of the innermost pending hint (or box) now that its extent is known.
    private mutating func setSize(forHint: Bool) {
        guard let top = scanStack.last else { return }
        if top.leftTotal < leftTotal {
            // Already printed: the stack is stale.
            scanStack = [FormatPrinter.sentinel]
            return
        }
        guard top.index >= 0 else { return }
        switch queue[top.index].token {
        case .hint:
            guard forHint else { return }
        case .open:
            guard !forHint else { return }
        case .text, .close:
            return
        }
        queue[top.index].size += rightTotal
        scanStack.removeLast()
    }

    /// Prints queued tokens whose size is known, or that cannot fit on the line anyway.
    private mutating func advance() {
        while head < queue.count {
            let item = queue[head]
            let pending = rightTotal - leftTotal
            guard item.size >= 0 || pending >= spaceLeft else { return }
            head += 1
            render(item.token, size: item.size >= 0 ? item.size : FormatPrinter.infinity)
            leftTotal += item.length
        }
    }

    private mutating func render(_ token: Token, size: Int) {
        switch token {
        case .text(let string):
            spaceLeft -= size
            output += string
            isNewLine = false
        case .open(let indent, let kind):
            if margin - spaceLeft > maxIndent { forceNewLine() }
            let width = spaceLeft - indent
            let actual: BoxKind = kind == .vertical ? .vertical : (size > spaceLeft ? kind : .fits)
            boxes.append(OpenBox(kind: actual, width: width))
        case .close:
            _ = boxes.popLast()
        case .hint(let spaces, let offset):
            guard let box = boxes.last else { return }
            switch box.kind {
            case .packing:
                if size > spaceLeft { newLine(offset: offset, width: box.width) } else { sameLine(spaces) }
            case .structural:
                if isNewLine {
                    sameLine(spaces)
                } else if size > spaceLeft || currentIndent > margin - box.width + offset {
                    newLine(offset: offset, width: box.width)
                } else {
                    sameLine(spaces)
                }
            case .horizontalOrVertical, .vertical:
                newLine(offset: offset, width: box.width)
            case .fits, .horizontal:
                sameLine(spaces)
            }
        }
    }

    private mutating func newLine(offset: Int, width: Int) {
        output += "\n"
        isNewLine = true
        currentIndent = min(maxIndent, margin - width + offset)
        spaceLeft = margin - currentIndent
        output += String(repeating: " ", count: currentIndent)
    }

    private mutating func sameLine(_ spaces: Int) {
        spaceLeft -= spaces
        output += String(repeating: " ", count: spaces)
    }

    /// A box may not start beyond the maximum indentation: break the enclosing box's line first.
    private mutating func forceNewLine() {
        guard let box = boxes.last else {
            output += "\n"
            return
        }
        guard box.width > spaceLeft else { return }
        switch box.kind {
        case .fits, .horizontal:
            return
        case .vertical, .horizontalOrVertical, .packing, .structural:
            newLine(offset: 0, width: box.width)
        }
    }
}
