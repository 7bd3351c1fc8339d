// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Testing

@testable import OClusterClient

/// Lists printed as ocluster prints them with `Fmt.pr`; every expected string is what OCaml 4.13's
/// `Format` printed for the same call (`Format.printf "Updating %a…@."` with `",@ "` separators,
/// and `"Canary updated OK. Updating the others: [%a]@."` with `"@ "`).
@Suite struct OCamlFormatTests {
    func updating(_ items: [String]) -> String {
        OCamlFormat.filled(prefix: "Updating ", items: items, separator: ",", suffix: "…")
    }

    func others(_ items: [String]) -> String {
        OCamlFormat.filled(
            prefix: "Canary updated OK. Updating the others: [",
            items: items,
            separator: "",
            suffix: "]"
        )
    }

    @Test func oneItemStaysOnTheLine() {
        #expect(updating(["w2"]) == "Updating w2…")
        #expect(others(["w2"]) == "Canary updated OK. Updating the others: [w2]")
        #expect(others([]) == "Canary updated OK. Updating the others: []")
    }

    @Test func theLastItemAlwaysGoesOnANewLine() {
        #expect(updating(["w1", "w2", "w3"]) == "Updating w1, w2,\nw3…")
        #expect(others(["w2", "w3", "w4"]) == "Canary updated OK. Updating the others: [w2 w3\nw4]")
    }

    @Test func namesWithNewlinesCountTheirBytesOnly() {
        #expect(updating(["w1", "w2", "we\"i\\rd\nx"]) == "Updating w1, w2,\nwe\"i\\rd\nx…")
    }

    @Test func longListsFillTo78Columns() {
        let names = (0..<20).map { $0 < 10 ? "worker-0\($0)" : "worker-\($0)" }
        #expect(
            updating(names) == """
                Updating worker-00, worker-01, worker-02, worker-03, worker-04, worker-05,
                worker-06, worker-07, worker-08, worker-09, worker-10, worker-11, worker-12,
                worker-13, worker-14, worker-15, worker-16, worker-17, worker-18,
                worker-19…
                """
        )
    }

    @Test func anItemThatWouldReachTheMarginExactlyBreaks() {
        let a = String(repeating: "a", count: 30)
        #expect(
            updating([a, String(repeating: "b", count: 35), "c"])
                == "Updating \(a), \(String(repeating: "b", count: 35)),\nc…"
        )
        #expect(
            updating([a, String(repeating: "b", count: 36), "c"])
                == "Updating \(a),\n\(String(repeating: "b", count: 36)),\nc…"
        )
    }

    @Test func overlongItemsEachGetTheirLine() {
        let x = String(repeating: "x", count: 100)
        let z = String(repeating: "z", count: 100)
        #expect(updating([x, "y", z, "q"]) == "Updating \(x),\ny,\n\(z),\nq…")
    }
}
