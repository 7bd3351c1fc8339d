// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Testing

@testable import OClusterClient

#if canImport(Glibc)
import Glibc
#endif

/// Small pieces of ocluster's wording.
@Suite struct OutputFormatTests {
    @Test func exceptionsAsCapnpRpcPrintsThem() {
        #expect(RPCError(.failed, "x").ocamlDescription == "Failed: x")
        #expect(RPCError(.overloaded, "x").ocamlDescription == "Overloaded: x")
        #expect(RPCError(.disconnected, "x").ocamlDescription == "Disconnected: x")
        #expect(RPCError(.unimplemented, "x").ocamlDescription == "Unimplemented: x")
    }

    @Test func workersAsPpWorkerInfoPrintsThem() {
        #expect(WorkerStatus(name: "a", active: true, connected: true).description == "a")
        #expect(WorkerStatus(name: "a", active: false, connected: true).description == "a (paused)")
        #expect(WorkerStatus(name: "a", active: true, connected: false).description == "a (disconnected)")
        #expect(WorkerStatus(name: "a", active: false, connected: false).description == "a (disconnected, paused)")
    }

    @Test func signalsInOCamlsNumbering() {
        #expect(OCamlSignal.number(SIGKILL) == -7)
        #expect(OCamlSignal.number(SIGTERM) == -11)
        #expect(OCamlSignal.number(SIGABRT) == -1)
        #expect(OCamlSignal.number(SIGXFSZ) == -28)
        #expect(OCamlSignal.number(SIGBUS) == -22)
        #expect(OCamlSignal.number(64) == 64)
    }

    @Test func capFileMistakesInCapnpRpcsWords() throws {
        let uri = "capnp://sha-256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@127.0.0.1:1/AAAA"
        #expect(throws: Never.self) { try Connection.load(uri) }
        let garbage = #expect(throws: OClusterClientError(.capFile, "")) { try Connection.load("capnp:garbage") }
        #expect(garbage != nil)
        let missing = #expect(throws: OClusterClientError(.capFile, "")) { try Connection.load("/nonexistent/x.cap") }
        #expect(missing?.message == "File \"/nonexistent/x.cap\" does not exist")
    }
}
