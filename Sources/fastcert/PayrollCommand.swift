import ArgumentParser
import Foundation
import Ledger
import Synchronization

/// `fastcert payroll run|list|show|export`
struct PayrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payroll", abstract: "Stored monthly payroll runs: each month paid once, with back pay for owed months.",
        discussion: """
            A run reads the ledger as it stands and pays every owed month not yet paid by a stored run: the \
            month itself to the payable, and as back pay each earlier month a person was owed and not paid \
            (suspended, then certified; a hold released; evidence that arrived late). It is stored with its \
            lines, never repeated and never edited; a correction is a line of a later run. Months paid after \
            a recorded death are claimed back by a recovery case (`fastcert recoveries`). See docs/ledger.md.
            """,
        subcommands: [Run.self, List.self, Show.self, Export.self, Supplements.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run and store the month's payroll (once; from its first day), or a supplementary run.",
            discussion: """
                --supplementary pays, before the next monthly run, the months up to the latest monthly run that persons \
                active again (resumed, reinstated, a hold released) were not paid, each month still paid once; stored like a \
                run (`payroll supplements`). It needs a named operator's key: the service never runs one itself, it shows a \
                `back-pay` alert (due within the rules' data_retention.back_pay_days of the resumption).
                """)
        @Option(help: ArgumentHelp("The month: this one, or the last if its run was missed.", valueName: "YYYY-MM")) var month: String?
        @Flag(help: "A supplementary run: back pay of persons resumed since the latest monthly run.") var supplementary = false
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func validate() throws {
            if supplementary && month != nil { throw ValidationError("a supplementary run takes no --month: it pays up to the latest run") }
            if !supplementary && month == nil { throw ValidationError("--month YYYY-MM (or --supplementary)") }
        }

        func run() async throws {
            try await reportingFailures {
                let stores = try ledger.open()
                let acting = try await key.acting(stores, roles: [.operator], to: "run the payroll")
                try acting.key?.checkCoversWholeCity(for: "a payroll run")
                if supplementary {
                    guard let privacy = stores.privacy else { throw CommandFailure.input("this ledger keeps no supplementary runs") }
                    let run = try await privacy.runSupplementaryPayroll(on: ServiceClock.today(), by: acting.actor)
                    print(describe(run))
                    if let head = run.chainHead { print("audit chain head \(head) (recorded in the run)") }
                    return
                }
                let run = try await stores.money.runPayroll(
                    month: try parseMonth(month ?? ""), on: ServiceClock.today(), by: acting.actor)
                print(describe(run))
                if let head = run.chainHead { print("audit chain head \(head) (recorded in the run)") }
            }
        }
    }

    struct Supplements: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The stored supplementary runs, latest first; with --id, one run's lines.")
        @Option(help: "One supplementary run's lines.") var id: Int64?
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                guard let privacy = try ledger.open().privacy else { throw CommandFailure.input("this ledger keeps no supplementary runs") }
                let runs = try await privacy.payrollSupplements()
                if let id {
                    guard let run = runs.first(where: { $0.id == id }) else {
                        throw LedgerError(.unknownPayrollRun, "no supplementary run \(id): `fastcert payroll supplements` lists them")
                    }
                    print(describe(run))
                    for l in try await privacy.supplementLines(id) {
                        print(
                            "\(l.id)  \(l.personID)  \(l.name)  \(l.unitCode)  \(l.forMonth)  \(l.kind.rawValue)  \(Yuan.text(fen: l.amountFen))  \(l.reason)"
                        )
                    }
                    return
                }
                for run in runs { print(describe(run)) }
                print("\(runs.count) supplementary run(s)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The stored runs, latest first.")
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let runs = try await ledger.open().money.payrollRuns()
                for run in runs { print(describe(run)) }
                print("\(runs.count) run(s)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A stored run's summary and its lines in a unit's subtree.")
        @Option(help: ArgumentHelp("The month.", valueName: "YYYY-MM")) var month: String
        @Option(help: "Only this unit's subtree.") var unit: String?
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let store = try ledger.open()
                let month = try parseMonth(month)
                guard let run = try await store.money.payrollRun(month) else {
                    throw LedgerError(.unknownPayrollRun, "no payroll was run for \(month): `fastcert payroll list` shows the runs")
                }
                print(describe(run))
                try await store.money.payrollLines(month: month, unit: unit) { l in
                    print(
                        "\(l.id)  \(l.personID)  \(l.name)  \(l.unitCode)  \(l.forMonth)  \(l.kind.rawValue)  \(Yuan.text(fen: l.amountFen))  \(l.reason)"
                    )
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A stored run's lines as CSV for the bank (cells that could start a spreadsheet formula are quoted as text).",
            discussion: """
                The first line is a comment with the audit chain head the run recorded, `# run YYYY-MM chain_head SEQ:HASH`: \
                whoever holds the file can check it against the ledger with `fastcert audit verify --head SEQ:HASH`. \
                `--no-chain-head` leaves it out (the bare CSV, header first).
                """)
        @Option(help: ArgumentHelp("The month.", valueName: "YYYY-MM")) var month: String
        @Option(help: "Only this unit's subtree.") var unit: String?
        @Flag(help: "Leave out the leading `# run ... chain_head ...` line.") var noChainHead = false
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let month = try parseMonth(month)
                let stores = try ledger.open()
                let money = stores.money
                // The file for the bank is what the chain sealed, or nothing.
                if let finding = try await stores.audit.checkRunLines(month) {
                    throw LedgerError(
                        .chainTampered,
                        "the lines of the \(month) run do not match the audit chain: \(finding). Nothing was exported; run `fastcert audit verify` (docs/audit.md)"
                    )
                }
                let out = BufferedOutput()
                if !noChainHead {
                    guard let run = try await money.payrollRun(month) else {
                        throw LedgerError(.unknownPayrollRun, "no payroll was run for \(month): `fastcert payroll list` shows the runs")
                    }
                    out.write(PayrollRun.chainHeadComment(run))
                }
                out.write(CSVText.row(PayrollLine.csvHeader))
                try await money.payrollLines(month: month, unit: unit) { out.write(CSVText.row($0.csvCells)) }
                out.flush()
            }
        }
    }
}

func parseMonth(_ text: String) throws -> Month {
    guard text.count == 7, let month = Month(text) else { throw ValidationError("--month must be YYYY-MM, not '\(text)'") }
    return month
}

func describe(_ run: PayrollRun) -> String {
    "payroll \(run.month): run on \(run.runOn) by \(run.actor); \(run.persons) person(s), \(run.lines) line(s) "
        + "(\(run.backPayLines) back pay), total \(Yuan.text(fen: run.totalFen))"
}

func describe(_ run: PayrollSupplement) -> String {
    "supplementary run \(run.id) (months up to \(run.runMonth)): run on \(run.runOn) by \(run.actor); \(run.persons) person(s), "
        + "\(run.lines) back pay line(s), total \(Yuan.text(fen: run.totalFen))"
}

/// Standard output in large writes (an export is millions of lines).
final class BufferedOutput: Sendable {
    private let buffer = Mutex<[UInt8]>([])
    func write(_ text: String) {
        buffer.withLock { buffer in
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 20 { Self.drain(&buffer) }
        }
    }
    func flush() { buffer.withLock { Self.drain(&$0) } }
    private static func drain(_ buffer: inout [UInt8]) {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
