// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import OClusterClient

// Submits the OBuilder spec in SPEC-FILE to POOL with the submission capability in CAP-FILE,
// writes the job's log to standard output as it arrives, then prints the result. The connection
// is made again, and the job submitted again, if it is lost before the job finishes.

let usage = "usage: submit-and-follow CAP-FILE POOL SPEC-FILE\n"
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--help" {
    print(usage, terminator: "")
    exit(0)
}
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}
let (capFile, pool, specFile) = (arguments[0], arguments[1], arguments[2])

do {
    let connection = try Connection(capFile: capFile)
    let spec = try String(contentsOfFile: specFile, encoding: .utf8)
    let build = try connection.buildOBuilder(spec: spec, pool: pool)
    for try await chunk in build.log {
        FileHandle.standardOutput.write(Data(chunk))
    }
    do {
        let output = try await build.result()
        print("Result: \(output.isEmpty ? "(no output)" : output)")
    } catch {
        // The job's failure in ocluster's words, e.g. `Failed: Build failed`.
        print("\(error.message).")
        await connection.close()
        exit(1)
    }
    await connection.close()
} catch let error as OClusterClientError {
    FileHandle.standardError.write(Data("submit-and-follow: \(error.message)\n".utf8))
    exit(1)
} catch {
    FileHandle.standardError.write(Data("submit-and-follow: \(error)\n".utf8))
    exit(1)
}
