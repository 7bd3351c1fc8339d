// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Testing

@testable import OBuilder

/// `--obuilder-store` and `--rsync-mode` as OBuilder's `Store_spec` parses them.
@Suite struct StoreSpecTests {
    @Test func parsesEveryForm() throws {
        #expect(try StoreSpec.parse("btrfs:/var/lib/obuilder") == .btrfs("/var/lib/obuilder"))
        #expect(try StoreSpec.parse("zfs:obuilder") == .zfs("obuilder"))
        #expect(try StoreSpec.parse("zfs:/mnt/obuilder") == .zfs("/mnt/obuilder"))
        #expect(try StoreSpec.parse("rsync:/r", rsyncMode: "copy") == .rsync("/r", .copy))
        #expect(try StoreSpec.parse("rsync:/r", rsyncMode: "hardlink") == .rsync("/r", .hardlink))
        #expect(try StoreSpec.parse("rsync:/r", rsyncMode: "hardlink_unsafe") == .rsync("/r", .hardlinkUnsafe))
        #expect(try StoreSpec.parse("xfs:/x") == .xfs("/x"))
        #expect(try StoreSpec.parse("overlayfs:/o") == .overlayfs("/o"))
        #expect(try StoreSpec.parse("docker:obuilder") == .docker("obuilder"))
        #expect(try StoreSpec.parse("qemu:/q") == .qemu("/q"))
        #expect(try StoreSpec.parse("hcs:c:\\obuilder") == .hcs("c:\\obuilder"))
        #expect(try StoreSpec.parse("btrfs:/a:b").description == "btrfs:/a:b")
    }

    @Test func refusesBadStoresWithOBuildersMessages() {
        let start = "Store must start with zfs:, btrfs:/, rsync:/, xfs:/, qemu:/, hcs: or overlayfs:"
        for bad in ["btrfs", "btrfs:relative", "ext4:/x", "", "overlayfs:", "xfs:x", "rsync:x"] {
            #expect(throws: OBuilderError(.invalidStore, "")) { try StoreSpec.parse(bad, rsyncMode: "copy") }
            #expect((try? StoreSpec.parse(bad)) == nil)
            do {
                _ = try StoreSpec.parse(bad)
            } catch {
                #expect(error.message == start)
            }
        }
        let noMode = #expect(throws: OBuilderError(.invalidStore, "")) { try StoreSpec.parse("rsync:/r") }
        #expect(noMode?.message == "Store rsync:/ must supply an rsync-mode")
        let extra = #expect(throws: OBuilderError(.invalidStore, "")) {
            try StoreSpec.parse("btrfs:/b", rsyncMode: "copy")
        }
        #expect(extra?.message.hasPrefix("Store type required must be one of btrfs:/path") == true)
        let badMode = #expect(throws: OBuilderError(.invalidStore, "")) {
            try StoreSpec.parse("rsync:/r", rsyncMode: "fast")
        }
        #expect(badMode?.message.contains("'copy', 'hardlink' or 'hardlink_unsafe'") == true)
    }

    @Test func mapsStoresToBackends() throws {
        #expect(try StoreSpec.btrfs("/b").backend().backend.name == "btrfs")
        #expect(try StoreSpec.xfs("/x").backend().backend.name == "xfs")
        #expect(try StoreSpec.overlayfs("/o").backend().backend.name == "overlay")
        let rsync = try StoreSpec.rsync("/r", .hardlink).backend()
        #expect((rsync.backend as? RsyncSnapshotBackend)?.mode == .hardlink)
        let zfs = try StoreSpec.zfs("tank").backend()
        #expect(zfs.root == "/tank" && (zfs.backend as? ZFSSnapshotBackend)?.pool == "tank")
        #expect(try StoreSpec.zfs("/mnt/tank").backend().root == "/mnt/tank")
        let docker = try StoreSpec.docker("/var/lib/obuilder").backend()
        let prefix = (docker.backend as? DockerSnapshotBackend)?.prefix ?? ""
        #expect(docker.root == "/var/lib/obuilder" && docker.backend.name == "docker")
        #expect(prefix.hasPrefix("obuilder-") && prefix.count == "obuilder-".count + 7, "\(prefix)")
        #expect(prefix != (try StoreSpec.docker("/other").backend().backend as? DockerSnapshotBackend)?.prefix)
        for unsupported in [StoreSpec.qemu("/q"), .hcs("h")] {
            let error = #expect(throws: OBuilderError(.invalidStore, "")) { try unsupported.backend() }
            #expect(error?.message.hasSuffix("is not supported on this platform") == true)
        }
    }
}
