// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC

/// capnp-rpc's `Persistent.save`, which the scheduler's client endpoints, tickets and jobs answer.
extension ServerCall {
    /// capnp-rpc's `Persistent` interface (`persistent.capnp`).
    static let persistentInterfaceID: UInt64 = 0xc8cb_212f_cd9f_5691

    /// Whether this is `Persistent.save`.
    var isPersistentSave: Bool { interfaceId == Self.persistentInterfaceID && methodId == 0 }

    /// Answers `Persistent.save` with the sturdy ref `uri` (nil: the vat has no public address).
    func answerSave(_ uri: String?) throws {
        guard let uri else { throw RPCError(.failed, "This vat has no public address, so it cannot make sturdy refs") }
        // SaveResults { sturdyRef @0 :AnyPointer }, which capnp-rpc fills with the URI as Text.
        results.content.initStruct(dataWords: 0, pointerCount: 1).pointer(0).setText(uri)
    }
}
