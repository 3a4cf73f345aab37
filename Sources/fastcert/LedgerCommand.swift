import ArgumentParser
import Foundation
import Ledger

/// `fastcert ledger sweep [--as-of DATE]`
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "The deferral ledger.", subcommands: [Sweep.self])

    struct Sweep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The daily sweep: warnings, field checks and suspensions as of a day. Running it twice changes nothing.")

        @Option(name: .customLong("as-of"), help: ArgumentHelp("The day to sweep as of (default: today).", valueName: "YYYY-MM-DD"))
        var asOf: String?
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let day = try parseDay(asOf, option: "--as-of")
                let stores = try ledger.open()
                // The sweep covers the whole city whoever runs it: an operator key of the city
                // unit, or the system account.
                let acting = try await key.acting(stores, roles: [.operator], to: "sweep the ledger")
                try acting.key?.checkCoversWholeCity(for: "a sweep")
                // Sweeps go forward: one dated before the last would judge persons by a past they have left.
                if let last = try await stores.daily.lastSweptDay(), day < last {
                    throw LedgerError(.futureDay, "the ledger was swept as of \(last): a sweep is not dated before it (--as-of \(day))")
                }
                let report = try await stores.daily.sweep(on: day, by: acting.actor, batch: 20_000)
                let changes = report.changes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
                print(
                    "sweep as of \(day): \(report.examined) persons near or past their deadline; \(changes.isEmpty ? "no changes" : changes.joined(separator: ", "))"
                )
                if let finding = report.audit?.finding {
                    // The sweep's work stands; the finding is kept as a `tampering` alert.
                    FileHandle.standardError.write(Data("fastcert: the audit chain does not verify: \(finding)\n".utf8))
                } else if let audit = report.audit {
                    print("audit chain: \(audit.entries) new entries checked; head \(audit.head)")
                }
            }
        }
    }
}
