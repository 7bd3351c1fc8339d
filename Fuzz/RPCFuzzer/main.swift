// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// libFuzzer entry point for the RPC engine, built by scripts/fuzz.sh against CapnProto, AsyncBlocks,
// CapnProtoRPC and CapnProtoTestSupport compiled with the sanitizers. The harness (shared with the
// corpus regression test in CapnProtoRPCTests) reads each input as a sequence of RPC messages from
// a hostile peer, feeds them to a connection serving the test services, tears it down and checks
// that nothing is left.

import CapnProtoTestSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RPCFuzzHarness.run([UInt8](UnsafeBufferPointer(start: data, count: size)))
    return 0
}
