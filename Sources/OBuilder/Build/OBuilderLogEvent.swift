// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// One entry of a build's log, as the builder reports it while it runs.
public enum OBuilderLogEvent: Hashable, Sendable {
    /// A step starting, e.g. `/src: (run (shell "make"))` or `(from busybox)`.
    case heading(String)
    /// Builder commentary, e.g. `---> saved as "…"` or `---> using "…" from cache`.
    case note(String)
    /// One line of a command's output (stdout or stderr), or of a cached step's saved log.
    case output(String)

    /// The event as OCluster writes it to a job log: headings in bold blue on their own line
    /// (`\n\e[01;34m…\e[0m\n`), notes in dim magenta, output verbatim with a newline.
    public var formatted: String {
        switch self {
        case .heading(let text): "\n\u{1B}[01;34m\(text)\u{1B}[0m\n"
        case .note(let text): "\u{1B}[01;2m\u{1B}[01;35m\(text)\u{1B}[0m\n"
        case .output(let line): line + "\n"
        }
    }
}
