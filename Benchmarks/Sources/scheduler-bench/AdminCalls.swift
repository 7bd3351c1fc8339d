// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import OClusterAPI

/// What the benchmark asks of the admin service.
enum AdminCalls {
    /// Adds clients `names` through the admin `.cap`, as `ocluster-admin add-client` does, and
    /// returns the sturdy ref URI of each one's submission service.
    static func addClients(adminCap: String, names: [String]) async throws -> [String] {
        let ref = try CapFile.load(from: adminCap)
        return try await RPCSession.with(VatNetwork(), ref) { capability in
            let admin = Admin.Client(capability)
            var uris: [String] = []
            for name in names {
                let submission = await admin.addClient { params, _ in params.id = name }.pipeline(0)
                // Persistent.save: the service's sturdy ref as Text.
                let saved = try await submission.call(interfaceId: 0xc8cb_212f_cd9f_5691, methodId: 0) { payload in
                    _ = payload.content.initStruct(dataWords: 0, pointerCount: 1)
                }
                uris.append(try saved.content.readStruct().pointer(0).readText())
            }
            return uris
        }
    }
}
