// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension Pool {
    /// The admin `show` text, laid out exactly as ocluster prints it (OCaml `Format`, margin 78):
    ///
    ///     capacity: 2
    ///     queue: (backlog) [u1:job5@12s u1:job4@11s]
    ///     registered:
    ///       worker-1 (10): [u1:job1@0s(10)] (0 running)
    ///     disconnected:
    ///       worker-2 (paused)
    ///     clients: u1(2)+17s
    ///
    /// Queues list the next job to run last; times are fair start times relative to now.
    public func show() -> String {
        var printer = FormatPrinter()
        printer.openBox(.vertical)
        printCommon(&printer)
        printer.closeBox()
        return printer.finish()
    }

    /// ``show()`` plus a final `cached:` line listing every hint and its workers, as ocluster's tests print.
    public func dump() -> String {
        var printer = FormatPrinter()
        printer.openBox(.vertical)
        printCommon(&printer)
        printer.cut()
        printer.text("cached: ")
        printer.openBox(.structural)
        printCache(&printer)
        printer.closeBox()
        printer.closeBox()
        return printer.finish()
    }

    private func printCommon(_ printer: inout FormatPrinter) {
        let now = clock.now()
        printer.text("capacity: \(clusterCapacity)")
        printer.cut()
        printer.text("queue: ")
        printer.openBox(.structural)
        switch mode {
        case .backlog:
            printer.text("(backlog) ")
            printTickets(backlog, now: now, &printer)
        case .ready:
            printer.text("(ready) [")
            for (index, entry) in ready.newestFirst().enumerated() {
                if index > 0 { printer.space() }
                printer.text(workers[entry.worker]?.name ?? "")
            }
            printer.text("]")
        }
        printer.closeBox()
        printer.cut()
        printer.openBox(.vertical, indent: 2)
        printer.text("registered:")
        for name in connected.keys.sorted(by: { $0.bytePrecedes($1) }) {
            guard let id = connected[name], let worker = workers[id] else { continue }
            printer.cut()
            printer.text("\(name) (\(worker.workload)): ")
            printer.openBox(.structural)
            switch worker.state {
            case .running: printTickets(worker.localQueue, now: now, &printer)
            case .inactive(let reasons): printer.text("(inactive: \(reasons))")
            case .finished: printer.text("(finished)")
            }
            printer.closeBox()
            printer.text(" (\(worker.running) running)")
        }
        printer.closeBox()
        printer.cut()
        printer.openBox(.vertical, indent: 2)
        printer.text("disconnected:")
        for name in persisted.workers.keys.sorted(by: { $0.bytePrecedes($1) }) where connected[name] == nil {
            printer.cut()
            printer.text(persisted.workers[name] == true ? "\(name) (paused)" : name)
        }
        printer.closeBox()
        printer.cut()
        printer.text("clients: ")
        printer.openBox(.packing)
        for (index, id) in clients.keys.sorted(by: { $0.bytePrecedes($1) }).enumerated() {
            if index > 0 { printer.space() }
            let delay = (clients[id]?.nextFairStartTime ?? now) - now
            printer.text("\(id)(\(OCamlFloatFormat.fixed0(rate(client: id))))")
            if delay > 0 { printer.text("+" + OCamlFloatFormat.roughDuration(delay)) }
        }
        printer.closeBox()
    }

    /// `[t_n ... t_1]`: the next ticket to be served is printed last.
    private func printTickets(_ queue: TicketQueue, now: Double, _ printer: inout FormatPrinter) {
        printer.text("[")
        printer.openBox(.packing)
        for (index, ticketID) in queue.inPriorityOrder().reversed().enumerated() {
            if index > 0 { printer.space() }
            guard let ticket = tickets[ticketID] else { continue }
            let when = OCamlFloatFormat.roughDuration(ticket.fairStartTime - now)
            var text = "\(ticket.client):\(ticket.item.dumpLabel)@\(when)"
            let urgent = ticket.urgent ? "+urgent" : ""
            text += ticket.cost >= 0 ? "(\(ticket.cost)\(urgent))" : urgent
            printer.text(text)
        }
        printer.closeBox()
        printer.text("]")
    }

    /// `hint: [w1; w2], ...` with hints and workers in byte order.
    private func printCache(_ printer: inout FormatPrinter) {
        let hints = persisted.cachedWorkers.keys.sorted { $0.bytePrecedes($1) }
        for (index, hint) in hints.enumerated() {
            if index > 0 {
                printer.text(",")
                printer.space()
            }
            printer.text("\(hint): ")
            printer.openBox(.structural, indent: 1)
            printer.text("[")
            for (position, worker) in (persisted.cachedWorkers[hint] ?? []).enumerated() {
                if position > 0 {
                    printer.text(";")
                    printer.space()
                }
                printer.openBox(.structural)
                printer.text(worker)
                printer.closeBox()
            }
            printer.text("]")
            printer.closeBox()
        }
    }
}
