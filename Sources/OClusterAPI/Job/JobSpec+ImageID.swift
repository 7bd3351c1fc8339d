// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

extension JobSpec {
    /// A push target `REPO:TAG`, split at the last `:` as ocluster's `Image_id` does.
    public struct ImageID: Sendable, Hashable, CustomStringConvertible {
        /// Everything before the last `:` (may name a registry host and port).
        public var repository: String
        /// Everything after it.
        public var tag: String

        /// An image id from its parts; see ``validate()``.
        public init(repository: String, tag: String) {
            self.repository = repository
            self.tag = tag
        }

        /// Parses `REPO:TAG`.
        ///
        /// - Throws: ``JobSpecErrorCode/invalidImageID`` with ocluster's message, e.g.
        ///   `Missing ':TAG' in target "img"`.
        public init(parsing text: String) throws(JobSpecError) {
            guard let colon = text.lastIndex(of: ":") else {
                throw JobSpecError(.invalidImageID, "Missing ':TAG' in target \(ocamlQuoted(text))")
            }
            self.init(repository: String(text[..<colon]), tag: String(text[text.index(after: colon)...]))
            do {
                try validate()
            } catch {
                throw JobSpecError(.invalidImageID, "\(error.message) in \(ocamlQuoted(text))", cause: error)
            }
        }

        /// Both parts are non-empty and the tag has no `:`.
        ///
        /// - Throws: ``JobSpecErrorCode/invalidImageID``.
        public func validate() throws(JobSpecError) {
            if repository.isEmpty { throw JobSpecError(.invalidImageID, "Repository empty") }
            if tag.isEmpty { throw JobSpecError(.invalidImageID, "Tag empty") }
            if tag.contains(":") { throw JobSpecError(.invalidImageID, "':' cannot appear in tag!") }
        }

        /// `REPO:TAG`.
        public var description: String { "\(repository):\(tag)" }
    }
}
