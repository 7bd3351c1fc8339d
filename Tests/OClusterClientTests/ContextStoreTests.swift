// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import OClusterClient
import Testing

/// Contexts in a real directory: files private to the user, the current context, the
/// environment's choice, and the mistakes people make with cap files.
struct ContextStoreTests {
    static let uri =
        "capnp://sha-256:GKShb9ruwS5TX6zBmM9qckqfyQAXd4ooBNLjo5rbfx8@127.0.0.1:9000/Yn4vQfX5AHD3dXoU1cxJ2zY-r3cdYq1g0pkTwEl9Q6Q"

    /// A fresh store and a cap file beside it.
    func makeStore() throws -> (store: ContextStore, cap: String, root: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ctx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let cap = root + "/submit.cap"
        try (Self.uri + "\n").write(toFile: cap, atomically: true, encoding: .utf8)
        return (ContextStore(directory: root + "/config/ocluster"), cap, root)
    }

    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func addCopiesTheCapPrivatelyAndTheFirstBecomesCurrent() throws {
        let (store, cap, root) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let added = try store.add("prod", capFile: cap, pool: "linux-x86_64")
        #expect(added.capFile != cap)
        #expect(try String(contentsOfFile: added.capFile, encoding: .utf8) == Self.uri + "\n")
        #expect(try mode(added.capFile) == 0o600)
        #expect(try mode(store.directory + "/contexts/prod") == 0o700)
        #expect(try mode(store.directory + "/current") == 0o600)
        #expect(store.currentName() == "prod")
        // The copy is what is used: the original may go.
        try FileManager.default.removeItem(atPath: cap)
        _ = try Connection(capFile: added.capFile)
        #expect(try store.selected(environment: [:]) == added)
    }

    @Test func useListRemoveAndTheEnvironment() throws {
        let (store, cap, root) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try store.add("a", capFile: cap)
        _ = try store.add("b", capFile: cap, pool: "p")
        #expect(store.currentName() == "a")
        try store.use("b")
        #expect(store.currentName() == "b")
        #expect(store.list().map(\.name) == ["a", "b"])
        #expect(try store.selected(environment: ["OCLUSTER_CONTEXT": "a"])?.name == "a")
        #expect(try store.selected(environment: [:])?.pool == "p")
        #expect(throws: OClusterClientError.self) { try store.selected(environment: ["OCLUSTER_CONTEXT": "zz"]) }
        try store.remove("b")
        #expect(store.currentName() == nil)
        #expect(try store.selected(environment: [:]) == nil)
        #expect(store.list().map(\.name) == ["a"])
        do {
            try store.remove("b")
            Issue.record("removed a context twice")
        } catch {
            #expect(error.code == .context)
            #expect(error.message == #"No context named "b""#)
        }
    }

    @Test func badCapFilesAndNamesAreRefusedClearly() throws {
        let (store, cap, root) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: root) }
        func failure(_ body: () throws -> Void) -> OClusterClientError? {
            do {
                try body()
                return nil
            } catch {
                return error as? OClusterClientError
            }
        }
        let missing = failure { _ = try store.add("x", capFile: root + "/nosuch.cap") }
        #expect(missing?.code == .capFile)
        #expect(missing?.message == "File \"\(root)/nosuch.cap\" does not exist")
        // A directory cannot be read as a file, not even by root.
        let unreadable = failure { _ = try store.add("x", capFile: root) }
        #expect(unreadable?.code == .capFile)
        #expect(unreadable?.message == "Error loading \"\(root)\": cannot read the file")
        try "garbage\n".write(toFile: root + "/bad.cap", atomically: true, encoding: .utf8)
        let garbage = failure { _ = try store.add("x", capFile: root + "/bad.cap") }
        #expect(garbage?.message == "Missing scheme in garbage (expected 'capnp://...')")
        for name in ["", "../x", ".hidden", "a/b", String(repeating: "n", count: 65)] {
            #expect(failure { _ = try store.add(name, capFile: cap) }?.code == .context, "\(name)")
        }
        _ = try store.add("x", capFile: cap)
        #expect(failure { _ = try store.add("x", capFile: cap) }?.message == #"Context "x" already exists"#)
        #expect(failure { try store.use("nosuch") }?.code == .context)
        // Nothing half-made is left by the failures.
        #expect(store.list().map(\.name) == ["x"])
    }

    @Test func theXDGConfigDirectoryIsUsed() {
        #expect(ContextStore(environment: ["XDG_CONFIG_HOME": "/cfg", "HOME": "/h"]).directory == "/cfg/ocluster")
        #expect(ContextStore(environment: ["HOME": "/h"]).directory == "/h/.config/ocluster")
        #expect(
            ContextStore(environment: ["XDG_CONFIG_HOME": "relative", "HOME": "/h"]).directory == "/h/.config/ocluster"
        )
    }
}
