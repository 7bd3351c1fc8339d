// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// The Swift half of the serialization benchmark. Benchmarks/cpp/bench.cpp does the same work
// with C++ libcapnp; scripts/bench.sh runs both in one go and prints the ratios. Output lines
// are `swift CASE ITERATIONS NS_PER_OP`, the format the C++ program prints.

import CapnProto
import OClusterAPI

#if canImport(Glibc)
import Glibc
#endif

/// The benchmark's inputs; static so they are not main-actor globals of top-level code.
enum Fixture {
    static let bulkBytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    static let bulkValues = (0..<131_072).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 }
    static let dockerfile: String = {
        var text = "# syntax=docker/dockerfile:1\nFROM ocaml/opam:debian-12-ocaml-5.1\nWORKDIR /home/opam/src\n"
        for index in 0..<32 {
            let step = index < 10 ? "0\(index)" : "\(index)"
            text += "RUN opam install -y bench-package-\(step) && echo 'built step \(step)'\n"
        }
        return text + "COPY --chown=opam . .\nRUN opam exec -- dune build @install\n"
    }()

    static let buildArgs = [
        "OCAML_VERSION=5.1.1", "OPAM_REPO=https://github.com/ocaml/opam-repository.git", "BUILD_JOBS=8",
        "DEBIAN_FRONTEND=noninteractive",
    ]
    static let commits = [
        "0123456789abcdef0123456789abcdef01234567", "89abcdef0123456789abcdef0123456789abcdef",
        "fedcba9876543210fedcba9876543210fedcba98",
    ]
    static let secrets = [
        ("docker-hub-token", "dckr_pat_0123456789abcdefghijklmnopqrstuv"),
        (
            "opam-repo-ssh-key",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ==\n-----END OPENSSH PRIVATE KEY-----\n"
        ),
    ]
}

/// The same JobDescr, field by field and in the same order, as bench.cpp's `buildJob`.
func buildJob(_ job: JobDescr.Builder) {
    let docker = job.action.initDockerBuild()
    docker.dockerfile.contents = Fixture.dockerfile
    docker.pushTarget = "ocurrent/ocluster-bench:build-0123456789abcdef"
    docker.setBuildArgs(Fixture.buildArgs)
    docker.buildkit = true
    job.cacheHint = "ocaml/opam:debian-12-ocaml-5.1"
    job.repository = "https://github.com/ocurrent/ocluster.git"
    job.setCommits(Fixture.commits)
    let list = job.initSecrets(count: Fixture.secrets.count)
    for (index, secret) in Fixture.secrets.enumerated() {
        list[index].id = secret.0
        list[index].value = secret.1
    }
}

/// Reads every field, as bench.cpp's `readJob` does, summing lengths. Like C++'s
/// `Text::Reader`, blob views do not copy or validate the bytes.
func readJob(_ job: JobDescr.Reader) throws -> UInt64 {
    var sum = 0
    let action = job.action
    switch action._discriminant {
    case 0:
        let docker = try action.dockerBuild
        switch docker.dockerfile._discriminant {
        case 0: sum += try docker.dockerfile.contentsView.count
        default: sum += try docker.dockerfile.pathView.count
        }
        sum += try docker.pushTargetView.count + docker.pushUserView.count + docker.pushPasswordView.count
        let args = try docker.buildArgs
        sum += args.count
        for index in 0..<args.count { sum += try args.view(index).count }
        sum += (docker.squash ? 1 : 0) + (docker.buildkit ? 1 : 0) + (docker.includeGit ? 1 : 0)
    case 1: sum += try action.obuilder.specView.count
    default: sum += try action.custom.kindView.count
    }
    sum += try job.cacheHintView.count + job.repositoryView.count
    let commits = try job.commits
    sum += commits.count
    for index in 0..<commits.count { sum += try commits.view(index).count }
    let secrets = try job.secrets
    sum += secrets.count
    for secret in secrets { sum += try secret.idView.count + secret.valueView.count }
    return UInt64(sum)
}

/// BulkData (Benchmarks/cpp/bench.capnp): no data words, `bytes` at pointer 0, `values` at 1.
func buildBulk(_ message: MessageBuilder) {
    let root = message.initRoot(dataWords: 0, pointerCount: 2)
    root.pointer(0).setData(Fixture.bulkBytes)
    let values = ScalarListBuilder<UInt64>(
        root.pointer(1).initList(elementSize: .eightBytes, count: Fixture.bulkValues.count)
    )
    for (index, value) in Fixture.bulkValues.enumerated() { values[index] = value }
}

func readBulk(_ message: MessageReader) throws -> UInt64 {
    let root = try message.root()
    var sum: UInt64 = 0
    if let bytes = try root.pointer(0).dataBytes() {
        for byte in bytes { sum &+= UInt64(byte) }
    }
    for value in try ScalarList<UInt64>.read(from: root.pointer(1)) { sum &+= value }
    return sum
}

func now() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

func run(
    _ name: String,
    _ base: Double,
    scale: Double,
    only: Set<String>,
    _ operation: () throws -> UInt64
) rethrows
    -> UInt64
{
    var sink: UInt64 = 0
    guard only.isEmpty || only.contains(name) else { return 0 }
    let iterations = max(1, Int(base * scale))
    for _ in 0..<(iterations / 10 + 1) { sink &+= try operation() }
    let start = now()
    for _ in 0..<iterations { sink &+= try operation() }
    let nanos = Double(now() - start) / Double(iterations)
    print("swift \(name) \(iterations) \((nanos * 10).rounded() / 10)")
    return sink
}

let arguments = CommandLine.arguments.dropFirst()
if arguments.first == "--help" || arguments.first == "-h" {
    print(
        """
        usage: capnp-bench [SCALE [CASE...]]
        Encodes and decodes a realistic JobDescr and a 1 MiB + 128 Ki×UInt64 message, printing
        `swift CASE ITERATIONS NS_PER_OP`. Run through scripts/bench.sh to compare with C++.
        """
    )
    exit(0)
}
let scale = arguments.first.flatMap(Double.init) ?? 1
let only = Set(arguments.dropFirst())

func runAll(scale: Double, only: Set<String>) throws -> UInt64 {
    var sink: UInt64 = 0
    let bigOptions = ReaderOptions(traversalLimitWords: 1 << 32)
    let jobMessage = MessageBuilder()
    buildJob(jobMessage.initRoot(JobDescr.Builder.self))
    let jobFlat = jobMessage.serialize()
    let jobPacked = Packing.pack(jobFlat)
    let bulkMessage = MessageBuilder()
    buildBulk(bulkMessage)
    let bulkFlat = bulkMessage.serialize()
    let jobSum = try readJob(Framing.decode(jobFlat).root(as: JobDescr.Reader.self))
    print("# jobdescr flat bytes=\(jobFlat.count) packed bytes=\(jobPacked.count) readsum=\(jobSum)")
    print("# bulk flat bytes=\(bulkFlat.count) readsum=\(try readBulk(Framing.decode(bulkFlat, options: bigOptions)))")

    sink &+= run("jobdescr_encode", 1_200_000, scale: scale, only: only) {
        let message = MessageBuilder()
        buildJob(message.initRoot(JobDescr.Builder.self))
        return UInt64(message.serialize().count)
    }
    sink &+= try run("jobdescr_decode", 2_000_000, scale: scale, only: only) {
        try readJob(Framing.decode(jobFlat).root(as: JobDescr.Reader.self))
    }
    sink &+= run("bulk_encode", 250, scale: scale, only: only) {
        let message = MessageBuilder()
        buildBulk(message)
        return UInt64(message.serialize().count)
    }
    sink &+= try run("bulk_decode", 1200, scale: scale, only: only) {
        try readBulk(Framing.decode(bulkFlat, options: bigOptions))
    }
    sink &+= run("jobdescr_packed_encode", 400_000, scale: scale, only: only) {
        let message = MessageBuilder()
        buildJob(message.initRoot(JobDescr.Builder.self))
        return UInt64(message.serializePacked().count)
    }
    sink &+= try run("jobdescr_packed_decode", 700_000, scale: scale, only: only) {
        try readJob(Packing.decode(jobPacked).root(as: JobDescr.Reader.self))
    }
    return sink
}

do {
    let sink = try runAll(scale: scale, only: only)
    if sink == 0x5EED { print("#") }
} catch {
    print("capnp-bench: \(error)")
    exit(1)
}
