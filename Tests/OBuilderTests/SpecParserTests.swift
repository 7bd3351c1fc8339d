// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Testing

@testable import OBuilder

/// OBuilder's spec language: the examples from obuilder's README and tests, printed back the way
/// obuilder prints them, and malformed specs refused with the position of the fault.
@Suite struct SpecParserTests {
    /// obuilder's `test_sexp` case, which checks parse then `Spec.pp` gives the same text.
    @Test func printsObuildersTestSpecExactly() throws {
        let text = """
            ((build tools
                    ((from base)
                     (run (shell "make tools"))))
             (from base)
             (comment "A test comment")
             (workdir /src)
             (run (shell "a command"))
             (run (cache (a (target /data)) (b (target /srv)))
                  (secrets (a (target /run/secrets/a)) (b (target /b)))
                  (shell "a very very very very very very very very very very very very very very very long command"))
             (copy (src a b) (dst c))
             (copy (src a b) (dst c) (exclude .git _build))
             (copy (from (build tools)) (src binary) (dst /usr/local/bin/))
             (env DEBUG 1)
             (user (uid 1) (gid 2))
            )
            """
        let spec = try OBuilderSpec.parse(text)
        #expect(spec.description == text)
        #expect(spec.childBuilds.map(\.name) == ["tools"])
        #expect(spec.childBuilds[0].spec.operations == [.run(.init(shell: "make tools"))])
        #expect(
            spec.operations[3]
                == .run(
                    .init(
                        cache: [.init(id: "a", target: "/data"), .init(id: "b", target: "/srv")],
                        secrets: [.init(id: "a", target: "/run/secrets/a"), .init(id: "b", target: "/b")],
                        shell:
                            "a very very very very very very very very very very very very very very very long command"
                    )
                )
        )
        #expect(spec.operations[6] == .copy(.init(from: .build("tools"), src: ["binary"], dst: "/usr/local/bin/")))
        #expect(spec.operations[7] == .env(name: "DEBUG", value: "1"))
        #expect(spec.operations[8] == .user(.unix(uid: 1, gid: 2)))
    }

    static let readmeExamples = [
        """
        ((from busybox@sha256:d366a4665ab44f0648d7a00ae3fae139d55e32f9712c67accd604bb55df9d05a)
         (shell /bin/sh -c)
         (run (shell "echo hello world")))
        """,
        """
        ((build dev
         ((from ocaml/opam:alpine-3.18-ocaml-5.0)
          (user (uid 1000) (gid 1000))
          (workdir /home/opam)
          (run (shell "echo 'print_endline {|Hello, world!|}' > main.ml"))
          (run (shell "opam exec -- ocamlopt -ccopt -static -o hello main.ml"))))
         (from alpine:3.18)
         (shell /bin/sh -c)
         (copy (from (build dev))
          (src /home/opam/hello)
          (dst /usr/local/bin/hello))
         (run (shell "hello")))
        """,
        """
        ((from base)
         (run
          (cache (opam-archives (target /home/opam/.opam/download-cache)))
          (network host)
          (secrets (password (target /secrets/password)))
          (shell "opam install utop"))
         (copy
          (src .)
          (dst build/)
          (exclude .git _build))
         (copy
          (src platform.ml.linux)
          (dst platform.ml))
         (user (uid 1000) (gid 1000))
         (user (name ContainerAdministrator))
         (env OPTIONS "-O2 -Wall")
         (workdir /usr/local))
        """,
    ]

    /// Every README example parses, prints, and parses back to the same spec.
    @Test(arguments: readmeExamples) func roundTripsReadmeExamples(_ text: String) throws {
        let spec = try OBuilderSpec.parse(text)
        #expect(try OBuilderSpec.parse(spec.description) == spec)
        #expect(try OBuilderSpec(SExpressionParser.parse(spec.expression.description)) == spec)
    }

    @Test func readsTheRunExampleFields() throws {
        let spec = try OBuilderSpec.parse(Self.readmeExamples[2])
        guard case .run(let run) = spec.operations[0] else {
            Issue.record("expected run")
            return
        }
        #expect(run.cache == [.init(id: "opam-archives", target: "/home/opam/.opam/download-cache")])
        #expect(run.network == ["host"])
        #expect(run.secrets == [.init(id: "password", target: "/secrets/password")])
        #expect(spec.operations[1] == .copy(.init(src: ["."], dst: "build/", exclude: [".git", "_build"])))
        #expect(spec.operations[4] == .user(.windows(name: "ContainerAdministrator")))
        #expect(spec.operations[5] == .env(name: "OPTIONS", value: "-O2 -Wall"))
    }

    /// obuilder's example.spec: `;` comments, tabs, and a string continued with backslash-newline.
    @Test func readsExampleSpecWithCommentsAndContinuations() throws {
        let text = """
            ; This script builds OBuilder itself.
            ((build dev
            \t((from ocaml/opam:debian)
            \t (workdir /src)
            \t (user (uid 1000) (gid 1000))                           ; Build as the "opam" user
            \t (run
            \t  (network host)
            \t  (shell
            \t   "cd ~/opam-repository \\
            \t    && opam update -u"))
            \t (copy (src obuilder-spec.opam obuilder.opam) (dst ./))
            \t (run (shell "opam exec -- dune build @install @runtest"))))    ; Build and test
             ; Now generate a small runtime image with just the resulting binary:
             (from debian:12)
             (copy (from (build dev))
                   (src /src/_build/default/main.exe)
                   (dst /usr/local/bin/obuilder))
             (run (shell "obuilder --help")))
            """
        let spec = try OBuilderSpec.parse(text)
        #expect(spec.from == "debian:12")
        let dev = spec.childBuilds[0].spec
        #expect(dev.operations[2] == .run(.init(network: ["host"], shell: "cd ~/opam-repository && opam update -u")))
        #expect(dev.operations[3] == .copy(.init(src: ["obuilder-spec.opam", "obuilder.opam"], dst: "./")))
        #expect(try OBuilderSpec.parse(spec.description) == spec)
    }

    @Test func acceptsCapitalisedOperationNamesAndExplicitContext() throws {
        let spec = try OBuilderSpec.parse("((from a) (Run (shell x)) (copy (from context) (src s) (dst d)))")
        #expect(spec.operations == [.run(.init(shell: "x")), .copy(.init(src: ["s"], dst: "d"))])
    }

    @Test func printsOperationsOnOneLine() {
        let run = OBuilderSpec.Operation.run(.init(network: ["host"], shell: "echo \"hi\"\n"))
        #expect(run.description == #"(run (network host) (shell "echo \"hi\"\n"))"#)
        #expect(OBuilderSpec.Operation.shell(["/bin/sh", "-c"]).description == "(shell /bin/sh -c)")
        #expect(OBuilderSpec.Operation.env(name: "E", value: "").description == #"(env E "")"#)
    }

    /// (spec text, line, column, start of the message)
    static let malformed: [(String, Int, Int, String)] = [
        ("((from busybox)\n (run (shell \"x\"))\n    (rnu (shell \"y\")))", 3, 6, "unknown operation \"rnu\""),
        ("((from busybox)\n (run (shell \"x\")", 2, 2, "unclosed parenthesis"),
        ("((from a)))", 1, 11, "unexpected ) after the end of the spec"),
        ("((from a)\n (run (shell \"abc)))", 2, 14, "unterminated string"),
        ("((run (shell x)))", 1, 2, "expected (build NAME SPEC) or (from IMAGE) here"),
        ("((from a) (comment x))\n(extra)", 2, 1, "unexpected text after the end of the spec"),
        ("", 1, 1, "empty spec"),
        ("(from a)", 1, 2, "expected (build NAME SPEC) or (from IMAGE) here"),
        ("()", 1, 1, "missing (from IMAGE)"),
        ("atom", 1, 1, "a spec must be a list"),
        ("((from a b))", 1, 2, "(from IMAGE) takes exactly one image name"),
        ("((from a)\n (run (shell x) (shell y)))", 2, 17, "duplicate field \"shell\" in run"),
        ("((from a)\n (run (network host)))", 2, 2, "run needs a (shell …) field"),
        ("((from a)\n (run (shel x)))", 2, 7, "unknown field \"shel\" in run"),
        ("((from a)\n (run (shell (x))))", 2, 14, "field \"shell\" of run takes a string"),
        ("((from a)\n (run (cache (c (targt /x))) (shell x)))", 2, 17, "unknown field \"targt\" in cache"),
        ("((from a)\n (run (secrets (s)) (shell x)))", 2, 16, "secret needs a (target …) field"),
        ("((from a)\n  (user (uid x) (gid 1)))", 2, 9, "uid must be a non-negative integer"),
        ("((from a)\n  (user (gid 1) (uid 1)))", 2, 3, "expected (user (uid N) (gid N))"),
        ("((from a)\n  (env A))", 2, 3, "expected (env NAME VALUE)"),
        ("((from a)\n  (copy (dst b)))", 2, 3, "copy needs a (src PATH…) field"),
        ("((from a)\n  (copy (src a) (dst b c)))", 2, 17, "field \"dst\" of copy takes exactly one value"),
        ("((from a)\n  (copy (from elsewhere) (src a) (dst b)))", 2, 15, "invalid data source elsewhere"),
        ("((from a)\n  (workdir))", 2, 3, "expected (workdir DIR)"),
        ("((from a)\n  run)", 2, 3, "expected an operation such as (run …)"),
        ("((from a) (comment \"\\x4\"))", 1, 21, "\\x escape needs two hex digits"),
        ("((from a) (comment \"\\999\"))", 1, 21, "\\999 escape is above 255"),
        ("((from a) #| never closed", 1, 11, "unterminated #| comment"),
    ]

    @Test(arguments: malformed) func refusesMalformedSpecsWithTheirPosition(
        _ example: (String, Int, Int, String)
    ) {
        let (text, line, column, message) = example
        #expect {
            try OBuilderSpec.parse(text)
        } throws: { error in
            guard let error = error as? OBuilderError, let position = error.position else { return false }
            let matches = position == SourcePosition(line: line, column: column) && error.message.hasPrefix(message)
            if !matches { Issue.record("got \(error) for \(text.debugDescription)") }
            return matches && "\(error)".hasPrefix("line \(line), column \(column): \(message)")
        }
    }

    @Test func reportsUnknownBuildsWithTheBuildsInScope() {
        let text = "((build dev ((from a))) (from b) (copy (from (build dve)) (src x) (dst y)))"
        #expect {
            try OBuilderSpec.parse(text)
        } throws: { error in
            (error as? OBuilderError)?.message
                == #"unknown build "dve" in (copy (from (build dve)) (src x) (dst y)) (builds in scope: "dev")"#
        }
        // A nested build sees the builds before it, but not itself or later ones.
        #expect(throws: OBuilderError.self) {
            try OBuilderSpec.parse("((build a ((from x) (copy (from (build a)) (src s) (dst d)))) (from y))")
        }
        #expect(throws: Never.self) {
            try OBuilderSpec.parse(
                "((build a ((from x))) (build b ((from x) (copy (from (build a)) (src s) (dst d)))) (from y))"
            )
        }
    }

    @Test func readsSexplibLexicalForms() throws {
        let expression = try SExpressionParser.parse(
            "(a #| block #| nested |# |# \"q\\n\\065\\x42\\t\\\\\" #;(skipped (list)) b ; comment\n \"\" \"\\q\")"
        )
        #expect(expression == .list([.atom("a"), .atom("q\nAB\t\\"), .atom("b"), .atom(""), .atom("\\q")]))
        #expect(expression.listItems?[2].position == SourcePosition(line: 1, column: 66))
        #expect(expression.listItems?[3].position == SourcePosition(line: 2, column: 2))
    }

    @Test func countsColumnsInCharacters() throws {
        let expression = try SExpressionParser.parse("(é ü x)")
        #expect(expression.listItems?[2].position == SourcePosition(line: 1, column: 6))
        #expect(SExpression.quoted("a b") == "\"a b\"")
        #expect(SExpression.quoted("é") == "é")
    }

    @Test func refusesDeepNestingWithoutTrapping() {
        let text = String(repeating: "(", count: 100_000)
        #expect(throws: OBuilderError.self) { try SExpressionParser.parse(text) }
    }
}
