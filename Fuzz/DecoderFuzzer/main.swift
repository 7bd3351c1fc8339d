// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// libFuzzer entry point for the serialization core, built by scripts/fuzz.sh against CapnProto
// compiled with the sanitizers, together with the harness it shares with the corpus regression
// test (Sources/CapnProtoTestSupport/Fuzz/DecoderFuzzHarness.swift and MessageDigest.swift).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    DecoderFuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
