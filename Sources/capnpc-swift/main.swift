// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// A plugin for the official compiler: `capnp compile -o path/to/capnpc-swift:OUTDIR x.capnp`.
// capnp writes a CodeGeneratorRequest to stdin and runs the plugin in OUTDIR; one Swift file
// per requested schema is written there.

import CapnProtoCodeGen
import OClusterVersion

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func readStandardInput() -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

func write(_ contents: String, to path: String) -> Bool {
    // "e": close-on-exec, as every descriptor the project opens.
    guard let file = fopen(path, "we") else { return false }
    defer { fclose(file) }
    return fputs(contents, file) >= 0
}

func fail(_ message: String) -> Never {
    let line = Array("capnpc-swift: \(message)\n".utf8)
    _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    exit(1)
}

if CommandLine.arguments.dropFirst().contains("--version") {
    print(OClusterVersion.current)
    exit(0)
}

if CommandLine.arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) {
    print(
        """
        capnpc-swift: Cap'n Proto code generator plugin for Swift.

        Run it through the official compiler, which feeds it a CodeGeneratorRequest on stdin:
            capnp compile -o path/to/capnpc-swift:OUTDIR schema/x.capnp
        It writes OUTDIR/x.capnp.swift for each schema file named on the command line, with a
        Reader and Builder per struct, Swift enums, interface method ordinals, constants and
        doc comments. The generated code depends on the CapnProto module.
        """
    )
    exit(0)
}

do {
    let request = try RequestDecoder.decode(frame: readStandardInput())
    for file in try SwiftGenerator(request: request).generate() {
        guard write(file.contents, to: file.name) else { fail("cannot write \(file.name)") }
    }
} catch {
    fail("\(error)")
}
