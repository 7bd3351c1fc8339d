// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterAPI

/// How Cmdliner prints the errors of ocluster's CLIs, so that ours read the same.
enum CmdlinerReport {
    /// Which usage line a parse error shows.
    enum Usage {
        /// A program without subcommands: `PROG [OPTION]…`.
        case single
        /// A program with subcommands, when none was chosen: `PROG COMMAND …`.
        case group
        /// A chosen subcommand, with its synopsis.
        case subcommand(String, synopsis: String)
    }

    /// A parse error: `PROG: MESSAGE`, then, for errors that show it, the usage line and a hint.
    static func usageError(_ error: UsageError, program: String, usage: Usage) -> String {
        let indent = program.utf8.count + 2
        var text = "\(program): " + (error.wraps ? fill(error.message, column: indent) : error.message) + "\n"
        guard error.showsUsage else { return text }
        switch usage {
        case .single:
            text += "Usage: \(program) [OPTION]…\n"
            text += "Try '\(program) --help' for more information.\n"
        case .group:
            text += "Usage: \(program) COMMAND …\n"
            text += "Try '\(program) --help' for more information.\n"
        case .subcommand(let command, let synopsis):
            text += "Usage: \(program) \(synopsis)\n"
            text += "Try '\(program) \(command) --help' or '\(program) --help' for more information.\n"
        }
        return text
    }

    /// An exception escaping the command: `PROG: internal error, uncaught exception:` and the
    /// exception as OCaml prints it, indented, then an empty backtrace line.
    static func internalError(_ failure: UncaughtFailure, program: String) -> String {
        let indent = String(repeating: " ", count: program.utf8.count + 2)
        return "\(program): internal error, uncaught exception:\n"
            + "\(indent)Failure(\(ocamlQuoted(failure.message)))\n\(indent)\n"
    }

    /// `must be one of 'a', 'b' or 'c'` / `must be either 'a' or 'b'`, as Cmdliner lists choices.
    static func choices(_ names: [String]) -> String {
        let quoted = names.map { "'\($0)'" }
        switch quoted.count {
        case 0: return ""
        case 1: return "must be \(quoted[0])"
        case 2: return "must be either \(quoted[0]) or \(quoted[1])"
        default: return "must be one of \(quoted.dropLast().joined(separator: ", ")) or \(quoted.last!)"
        }
    }

    /// Fills words to the 78-column margin as `Format.pp_print_text` in a box starting at
    /// `column`: a word goes on the next line (indented to `column`) when it would reach the margin.
    static func fill(_ text: String, column start: Int) -> String {
        let margin = 78
        var out = ""
        var column = start
        for (index, word) in text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if index > 0 {
                if 1 + word.utf8.count >= margin - column {
                    out += "\n" + String(repeating: " ", count: start)
                    column = start
                } else {
                    out += " "
                    column += 1
                }
            }
            out += word
            column += word.utf8.count
        }
        return out
    }
}
