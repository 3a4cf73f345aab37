import ArgumentParser
import Foundation
import Ledger
import Storage

/// `fastcert evidence import FILE [--batch N]`; `evidence held|release|discard` for rows held for review.
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Evidence of life from other departments.",
        subcommands: [Import.self, Held.self, Release.self, Discard.self])

    /// `fastcert evidence held --unit CODE [--all]`
    struct Held: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evidence held for review: rows beyond corroboration.max_events_per_day for one person, source and day.")
        @Option(help: "The unit code.") var unit: String
        @Flag(help: "Include rows already released or discarded.") var all = false
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let rows = try await ledger.openLedger().heldEvidence(unit: unit, all: all)
                for row in rows { print(describe(row)) }
                print("\(rows.count) row(s) held under \(unit)\(all ? " or decided" : "")")
            }
        }
    }

    /// One held row's decision: `release` applies it, `discard` keeps it unapplied.
    struct Review: ParsableArguments {
        @Argument(help: "The held row's id (fastcert evidence held).") var id: Int64
        @Option(help: "Why (required; auditors read it).") var reason: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func decide(release: Bool) async throws {
            let store = try ledger.openLedger()
            let acting = try await key.acting(
                LedgerOptions.stores(ledger: store, vault: nil), roles: [.operator], to: "review held evidence")
            let (row, changes) = try await store.decideHeldEvidence(
                id, release: release, reason: reason, by: acting.actor, scope: acting.scope, on: ServiceClock.today())
            print(
                describe(row)
                    + (changes.isEmpty
                        ? "" : "  changes: \(changes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))"))
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply a held row as it was delivered (an operator's decision).")
        @OptionGroup var review: Review
        func run() async throws { try await reportingFailures { try await review.decide(release: true) } }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Keep a held row unapplied for good (an operator's decision).")
        @OptionGroup var review: Review
        func run() async throws { try await reportingFailures { try await review.decide(release: false) } }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a feed file (CSV or NDJSON), idempotently by source and external id.",
            discussion: """
                CSV header: source,external_id,resident_id,kind,observed_at (payload optional); NDJSON: one object a line with \
                the same keys. observed_at is an ISO 8601 time or a YYYY-MM-DD day. A re-delivered row changes nothing; unknown \
                persons and kinds are reported and skipped, as are rows observed after today (one day of clock skew), before \
                1900 or before the person's birth. Each batch is one transaction. Every row records who delivered it \
                and when it was received. With a feed key (--key-file or $FASTCERT_KEY) the file is that department's \
                feed: its strong, death and reference kinds, its unit's subtree. Without a key it is this machine's \
                account importing reference kinds only. Face checks come only from the service's own verification and \
                home visits only from completed tasks; a row from the wrong door is refused with its reason.
                """)

        @Argument(help: ArgumentHelp("The feed file.", valueName: "file")) var file: String
        @Option(help: "Rows per transaction.") var batch = 20000
        /// A supervisor's handshake: after each committed batch, wait for a line on standard input
        /// before the next one (end of input stops waiting). The crash test kills the import at a
        /// point it chose, instead of racing it.
        @Flag(help: .hidden) var step = false
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func validate() throws {
            guard (1...1_000_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 1000000") }
        }

        func run() async throws {
            try await reportingFailures {
                let store = try ledger.open()
                let acting = try await key.acting(store, roles: [.feed], to: "deliver evidence")
                let today = ServiceClock.today()
                let delivery: EvidenceDelivery =
                    if let key = acting.key { .feed(key, receivedOn: today) } else { .file(by: acting.actor, receivedOn: today) }
                var report = ImportReport()
                let feed = EvidenceFeed(bytes: try readInput(file))
                // A bar on a terminal; otherwise a plain line per committed batch, so a log (or a
                // supervisor) knows exactly what is safely in the ledger if the import is killed.
                let onTerminal = isatty(STDERR_FILENO) == 1
                try await store.evidence.importEvidence(feed, batchSize: batch, delivery: delivery, into: &report) { done, fraction in
                    if onTerminal {
                        FileHandle.standardError.write(Data("\rimporting: \(done) rows (\(Int(fraction * 100))% of the file)".utf8))
                    } else {
                        FileHandle.standardError.write(Data("committed \(done) rows\n".utf8))
                    }
                    if step { _ = readLine() }
                }
                if onTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
                try finish(report, what: "evidence")
            }
        }
    }
}

/// One line per held row: id, status, person, what, who sent it, why, and who decided.
func describe(_ row: HeldEvidence) -> String {
    var parts = [
        "held \(row.id)", row.status, row.personID, "\(row.kind) from \(row.source) observed \(row.observedDay) (\(row.externalID))",
        "delivered by \(row.deliveredBy ?? "an unrecorded sender") at \(row.receivedAt)", row.reason,
    ]
    if let by = row.decidedBy { parts.append("decided by \(by): \(row.decisionReason ?? "")") }
    return parts.joined(separator: "  ")
}
