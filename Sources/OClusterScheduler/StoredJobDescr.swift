// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterAPI

/// A job description as a queued job keeps it: one framed message of exactly its size, copied out of the
/// call that submitted it (keeping the Call message would hold its RPC header and parameters too), and read
/// again only when a worker takes the job. A reader kept all along would cost a `MessageReader` object more
/// per queued job.
struct StoredJobDescr: Sendable {
    let frame: [UInt8]

    /// A frame stored earlier (``frame``); fails unless it decodes to a `JobDescr`.
    init(frame: [UInt8]) throws {
        _ = try Framing.decode(frame).root(as: JobDescr.Reader.self)
        self.frame = frame
    }

    /// Copies `descr`, unknown fields included.
    init(copying descr: JobDescr.Reader) throws {
        let message = MessageBuilder(firstSegmentWords: 64)
        try message.rootPointer.setStruct(descr._reader)
        frame = message.serialize()
    }

    /// The description, read in place.
    var reader: JobDescr.Reader {
        get throws { try Framing.decode(frame).root(as: JobDescr.Reader.self) }
    }
}
