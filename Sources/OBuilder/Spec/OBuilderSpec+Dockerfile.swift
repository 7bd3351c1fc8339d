// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension OBuilderSpec {
    /// The escape style of a Dockerfile: `\` on Unix, `` ` `` (announced by `#escape=`` `) on Windows.
    public enum DockerfileStyle: String, Sendable, CaseIterable {
        case unix
        case windows
    }

    /// The Dockerfile equivalent of the spec, byte for byte as OBuilder's `Obuilder_spec.Docker`
    /// prints it (what CI systems show users to reproduce a build locally).
    ///
    /// Nested builds become earlier stages (`FROM IMAGE as NAME`, a blank line after each);
    /// `run` commands are split on newlines with ` \` continuations; `network` and `exclude`
    /// have no Dockerfile form and are left out, as upstream. With `buildkit`, caches and secrets
    /// become `--mount=type=cache,…`/`--mount=type=secret,…` options carrying the current uid.
    public func dockerfile(buildkit: Bool = false, style: DockerfileStyle = .unix) -> String {
        var out = ""
        switch style {
        case .unix:
            Self.convert(self, name: nil, buildkit: buildkit, escape: "\\", user: .root, to: &out)
        case .windows:
            out += "#escape=`\n"
            Self.convert(self, name: nil, buildkit: buildkit, escape: "`", user: Self.windowsRoot, to: &out)
        }
        return out
    }

    static let windowsRoot = User.windows(name: "ContainerAdministrator")

    private static func convert(
        _ spec: OBuilderSpec,
        name: String?,
        buildkit: Bool,
        escape: Character,
        user: User,
        to out: inout String
    ) {
        for child in spec.childBuilds {
            convert(child.spec, name: child.name, buildkit: buildkit, escape: escape, user: user, to: &out)
            out += "\n"
        }
        out += "FROM \(spec.from)" + (name.map { " as \($0)" } ?? "") + "\n"
        var user = user
        for operation in spec.operations {
            switch operation {
            case .comment(let text): out += "# \(text)"
            case .workdir(let path): out += "WORKDIR \(path)"
            case .shell(let arguments): out += "SHELL [ " + arguments.map { "\"\($0)\"" }.joined(separator: ", ") + " ]"
            case .run(let run): out += runLine(run, buildkit: buildkit, escape: escape, user: user)
            case .copy(let copy): out += copyLine(copy, user: user)
            case .user(let newUser):
                switch newUser {
                case .unix(let uid, let gid): out += "USER \(uid):\(gid)"
                case .windows(let name): out += "USER \(name)"
                }
                user = newUser
            case .env(let name, let value): out += "ENV \(name)=\"\(quote(value, escape: escape))\""
            }
            out += "\n"
        }
    }

    private static func runLine(_ run: Run, buildkit: Bool, escape: Character, user: User) -> String {
        var line = "RUN "
        if buildkit {
            for secret in run.secrets { line += mountOptions("secret", secret, user: user) + " " }
            for cache in run.cache { line += mountOptions("cache", cache, user: user) + " " }
        }
        // Each line of the command trimmed as OCaml's String.trim does, joined with continuations.
        // Bytes, not Characters: "\r\n" is one Character but two bytes to OCaml.
        let pieces = Array(run.shell.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).map { trim($0) }
        return line + pieces.joined(separator: " \(escape)\n    ")
    }

    private static func mountOptions(_ type: String, _ mount: Mount, user: User) -> String {
        var pairs = [("--mount=type", type), ("id", mount.id), ("target", mount.target)]
        if case .unix(let uid, _) = user { pairs.append(("uid", String(uid))) }
        pairs += mount.buildkitOptions.map { ($0.key, $0.value) }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
    }

    private static func copyLine(_ copy: Copy, user: User) -> String {
        var line = "COPY "
        if user != .root, user != windowsRoot, case .unix(let uid, let gid) = user { line += "--chown=\(uid):\(gid) " }
        if case .build(let name) = copy.from { line += "--from=\(name) " }
        return line + copy.src.joined(separator: " ") + " " + copy.dst
    }

    /// OBuilder's `quote`: `"` and the escape character get the escape character before them.
    private static func quote(_ value: String, escape: Character) -> String {
        var out = ""
        for character in value {
            if character == "\"" || character == escape { out.append(escape) }
            out.append(character)
        }
        return out
    }

    /// OCaml's `String.trim`: spaces, tabs, newlines, carriage returns and form feeds at both ends.
    private static func trim(_ bytes: ArraySlice<UInt8>) -> String {
        let blank: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0x0C]
        var slice = bytes
        while let first = slice.first, blank.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, blank.contains(last) { slice = slice.dropLast() }
        return String(decoding: slice, as: UTF8.self)
    }
}
