import ArgumentParser
import Foundation
import Ledger

extension Recovery.Status: ExpressibleByArgument {}

/// `fastcert recoveries list|export|close`
struct RecoveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recoveries", abstract: "Overpayment recovery cases: months paid after a recorded death, to claim back.",
        discussion: """
            A case opens when a death is recorded for someone stored payroll runs paid for months after the \
            month of death: the amount, the months, the runs that paid them and the unit. An operator closes it \
            as recovered or waived with a reason; a death reversed by two operators cancels it, or, when it was \
            already recovered, opens a refund case for what it claimed (`recoveries refunds`).
            """,
        subcommands: [List.self, Export.self, Close.self, Refunds.self])

    struct Refunds: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refund cases: what recovered cases claimed from persons whose death was then reversed, owed back to them.")
        @Option(help: "The unit code (its whole subtree).") var unit: String
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let refunds = try await ledger.open().casework.refunds(unit: unit)
                for f in refunds {
                    print(
                        "\(f.id)  \(f.status.rawValue)  \(f.personID)  \(f.name)  \(f.unitCode)  recovery \(f.recoveryID)  "
                            + "\(Yuan.text(fen: f.amountFen))  opened \(f.openedAt) by \(f.openedBy): \(f.cause)")
                }
                let open = refunds.filter { $0.status == .open }
                print(
                    "\(refunds.count) refund case(s) under \(unit); open: \(open.count), \(Yuan.text(fen: open.reduce(0) { $0 + $1.amountFen })) yuan"
                )
            }
        }
    }

    struct Filter: ParsableArguments {
        @Option(help: "The unit code (its whole subtree).") var unit: String
        @Option(help: "Only cases of this status: open, recovered, waived or cancelled.") var status: Recovery.Status?
        @OptionGroup var ledger: LedgerOptions
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cases in a unit's subtree, with totals.")
        @OptionGroup var filter: Filter

        func run() async throws {
            try await reportingFailures {
                let cases = try await filter.ledger.open().casework.recoveries(unit: filter.unit, status: filter.status)
                for r in cases {
                    let closed = r.closedOn.map { " [\(r.status.rawValue) \($0) by \(r.closedBy ?? ""): \(r.closeReason ?? "")]" } ?? ""
                    print(
                        "\(r.id)  \(r.status.rawValue)  \(r.personID)  \(r.name)  \(r.unitCode)  died \(r.deathDay)  "
                            + "\(r.months.map(\.description).joined(separator: " "))  \(Yuan.text(fen: r.amountFen))\(closed)")
                }
                let open = cases.filter { $0.status == .open }
                print(
                    "\(cases.count) case(s) under \(filter.unit); open: \(open.count), \(Yuan.text(fen: open.reduce(0) { $0 + $1.amountFen })) yuan"
                )
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cases in a unit's subtree as CSV.")
        @OptionGroup var filter: Filter

        func run() async throws {
            try await reportingFailures {
                // Page by page (as the HTTP download): never the whole file in memory.
                let store = try filter.ledger.open()
                let out = BufferedOutput()
                out.write(CSVText.row(Recovery.csvHeader))
                var after: Int64 = 0
                while true {
                    let page = try await store.casework.recoveries(unit: filter.unit, status: filter.status, after: after, limit: 10_000)
                    for r in page { out.write(CSVText.row(r.csvCells)) }
                    guard page.count == 10_000, let last = page.last else { break }
                    after = last.id
                }
                out.flush()
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close an open case as recovered or waived, with a reason.")
        @Argument(help: "The case id (from recoveries list).") var id: Int64
        @Option(help: "recovered (the money came back) or waived (given up).") var outcome: Recovery.Status
        @Option(help: "Why (required; auditors read it).") var reason: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let stores = try ledger.open()
                let acting = try await key.acting(stores, roles: [.operator], to: "close recovery cases")
                let r = try await stores.casework.closeRecovery(
                    id, as: outcome, reason: reason, by: acting.actor, on: ServiceClock.today(), scope: acting.scope)
                print(
                    "recovery \(r.id): \(r.status.rawValue) on \(r.closedOn?.description ?? "") by \(r.closedBy ?? ""), \(Yuan.text(fen: r.amountFen)) yuan"
                )
            }
        }
    }
}
