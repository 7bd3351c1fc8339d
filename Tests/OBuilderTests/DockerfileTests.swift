// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Testing

@testable import OBuilder

/// `OBuilderSpec.dockerfile`, checked against the expectations of obuilder's own tests
/// (`test/test.ml`, `test_docker_unix` and `test_docker_windows`).
@Suite("Dockerfile conversion")
struct DockerfileTests {
    static let spec = """
        ((from base)
         (comment "A test comment")
         (workdir /src)
         (run (shell "command1"))
         (shell /bin/sh -c)
         (run
          (cache (a (target /data))
                 (b (target /srv)))
          (shell "command2 &&
                  command3"))
         (copy (src a b) (dst c))
         (copy (src a b) (dst c) (exclude .git _build))
         (env DEBUG 1)
         (env ESCAPE "\\"quote\\\\sla\\\\sh\\"")
         (user (uid 1) (gid 2))
         (copy (src a b) (dst c)))
        """

    @Test("Plain Dockerfile: commands wrapped with \\, ENV quoted, COPY --chown for a non-root user")
    func unix() throws {
        let expected = """
            FROM base
            # A test comment
            WORKDIR /src
            RUN command1
            SHELL [ "/bin/sh", "-c" ]
            RUN command2 && \\
                command3
            COPY a b c
            COPY a b c
            ENV DEBUG="1"
            ENV ESCAPE="\\"quote\\\\sla\\\\sh\\""
            USER 1:2
            COPY --chown=1:2 a b c

            """
        #expect(try OBuilderSpec.parse(Self.spec).dockerfile() == expected)
    }

    @Test("BuildKit: caches and secrets become --mount options with the current uid")
    func buildkit() throws {
        let spec = """
            ((build tools ((from base) (run (shell "make tools"))))
             (from base)
             (run (secrets (a (target /secrets/a)) (b (target /secrets/b))) (shell "command1"))
             (run (cache (a (target /data)) (b (target /srv))) (shell "command2")))
            """
        let expected = """
            FROM base as tools
            RUN make tools

            FROM base
            RUN --mount=type=secret,id=a,target=/secrets/a,uid=0 --mount=type=secret,id=b,target=/secrets/b,uid=0 command1
            RUN --mount=type=cache,id=a,target=/data,uid=0 --mount=type=cache,id=b,target=/srv,uid=0 command2

            """
        #expect(try OBuilderSpec.parse(spec).dockerfile(buildkit: true) == expected)
    }

    @Test("Multi-stage: nested builds are stages, copies from them use --from")
    func multiStage() throws {
        let spec = """
            ((build tools ((from base) (run (shell "make tools"))))
             (from base)
             (copy (from (build tools)) (src binary) (dst /usr/local/bin/)))
            """
        let expected = """
            FROM base as tools
            RUN make tools

            FROM base
            COPY --from=tools binary /usr/local/bin/

            """
        #expect(try OBuilderSpec.parse(spec).dockerfile() == expected)
    }

    @Test("Windows style: #escape=` and ` continuations; a named user gets no --chown")
    func windows() throws {
        let spec = """
            ((from base)
             (workdir C:/src)
             (shell C:/Windows/System32/cmd.exe /c)
             (run (shell "command2 &&
                   command3"))
             (user (name Zaphod))
             (copy (src a b) (dst c)))
            """
        let expected = """
            #escape=`
            FROM base
            WORKDIR C:/src
            SHELL [ "C:/Windows/System32/cmd.exe", "/c" ]
            RUN command2 && `
                command3
            USER Zaphod
            COPY a b c

            """
        #expect(try OBuilderSpec.parse(spec).dockerfile(style: .windows) == expected)
    }
}

@Suite("Job-log notes and image references")
struct LogEventAndReferenceTests {
    @Test("Notes carry ocluster's UTC timestamp, YYYY-MM-DD HH:MM.SS")
    func noteTimestamp() {
        // 2026-12-07 08:05:09 UTC
        let text = OBuilderLogEvent.note("---> saved as \"x\"").formatted(at: 1_796_630_709)
        #expect(text == "\u{1B}[01;2m\u{1B}[01;35m2026-12-07 08:05.09 ---> saved as \"x\"\u{1B}[0m\n")
        #expect(OBuilderLogEvent.timestamp(0) == "1970-01-01 00:00.00")
        #expect(
            OBuilderLogEvent.heading("(from busybox)").formatted(at: 0) == "\n\u{1B}[01;34m(from busybox)\u{1B}[0m\n"
        )
    }

    @Test("Image references: Docker's registry rule, tags, digests, the mirror, bad names refused")
    func references() throws {
        let hub = try ImageReference(parsing: "ocaml/opam:debian-12")
        #expect(hub.registry == nil && hub.repository == "ocaml/opam" && hub.tag == "debian-12")
        #expect(hub.onMirror("mirror:5000").description == "mirror:5000/ocaml/opam:debian-12")
        #expect(try ImageReference(parsing: "busybox").onMirror("m").description == "m/library/busybox")
        let digest = String(repeating: "a", count: 64)
        let local = try ImageReference(parsing: "127.0.0.1:5000/test/busybox:1@sha256:\(digest)")
        #expect(local.registry == "127.0.0.1:5000" && local.tag == "1" && local.digest == "sha256:\(digest)")
        #expect(local.isLoopback)
        #expect(local.onMirror("m") == local, "images on a named registry are not mirrored")
        #expect(try ImageReference(parsing: "localhost/x").registry == "localhost")
        #expect(try ImageReference(parsing: "foo/bar").registry == nil)
        for bad in ["", "-x", "UPPER", "a//b", "a:", "a@sha256:abc", "x/-y", "a b"] {
            #expect(throws: OBuilderError.self, "\(bad)") { try ImageReference(parsing: bad) }
        }
    }
}
