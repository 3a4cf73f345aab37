import ArgumentParser
import Foundation
import Ledger
import Storage

/// `fastcert tasks list|complete`
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "Field checks and attention visits for community staff.", subcommands: [List.self, Complete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open tasks in a unit's subtree.")
        @Option(help: "The unit code.") var unit: String
        @Flag(help: "Include done and closed tasks.") var all = false
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let tasks = try await ledger.open().tasks(unit: unit, includeClosed: all)
                for t in tasks {
                    print(
                        "\(t.id)  \(t.kind)  \(t.status)\(t.outcome.map { " (\($0))" } ?? "")  \(t.personID)  \(t.name)  \(t.unitCode)  for \(t.keyDay): \(t.reason)"
                    )
                }
                print("\(tasks.count) task(s) under \(unit)")
            }
        }
    }

    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record what staff found: seen-alive (certifies, as a home visit), deceased, or unreachable.")
        @Argument(help: "The task id.") var id: Int64
        @Option(help: "seen-alive, deceased or unreachable.") var outcome: LedgerStore.TaskOutcome
        @Option(help: ArgumentHelp("The day of the visit (default: today).", valueName: "YYYY-MM-DD")) var day: String?
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let changes = try await ledger.open().completeTask(id, outcome: outcome, on: try parseDay(day, option: "--day"))
                let summary = changes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                print("task \(id): \(outcome.rawValue)\(summary.isEmpty ? "" : "; ledger changes: \(summary)")")
            }
        }
    }
}

extension LedgerStore.TaskOutcome: ExpressibleByArgument {}

/// `fastcert outbox list|mark-sent`
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Reminders waiting for the SMS / WeChat sender.", subcommands: [List.self, MarkSent.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reminders not yet sent, oldest first (tab-separated).")
        @Flag(help: "Include those already sent.") var all = false
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                for m in try await ledger.open().outbox(includeSent: all) {
                    print("\(m.id)\t\(m.channel)\t\(m.recipient)\t\(m.personID)\t\(m.sentAt ?? "unsent")\t\(m.message)")
                }
            }
        }
    }

    struct MarkSent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark-sent", abstract: "Record that the sender delivered these messages.")
        @Argument(help: "Message ids.") var ids: [Int64]
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let notWaiting = try await ledger.open().markSent(ids)
                print("\(ids.count - notWaiting.count) marked sent")
                if !notWaiting.isEmpty {
                    throw CommandFailure.input(
                        "not waiting (unknown or already sent): \(notWaiting.map(String.init).joined(separator: ", "))")
                }
            }
        }
    }
}

/// `fastcert payroll --month YYYY-MM [--unit CODE]`
struct PayrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payroll", abstract: "The month's payroll as CSV: who is payable, who is suspended, back pay owed.")

    @Option(help: ArgumentHelp("The month.", valueName: "YYYY-MM")) var month: String
    @Option(help: "Only this unit's subtree.") var unit: String?
    @OptionGroup var ledger: LedgerOptions

    func run() async throws {
        try await reportingFailures {
            guard let month = Month(month) else { throw ValidationError("--month must be YYYY-MM") }
            print("resident_id,name,unit_code,status,payable,monthly_amount,back_pay_months,total")
            @Sendable func yuan(_ fen: Int) -> String { String(format: "%.2f", Double(fen) / 100) }
            try await ledger.open().payroll(month: month, unit: unit) { l in
                print(
                    "\(l.personID),\(csvField(l.name)),\(l.unitCode),\(l.status.rawValue),\(l.payable ? "yes" : "no"),\(yuan(l.monthlyAmountFen)),\(l.backPayMonths),\(yuan(l.totalFen))"
                )
            }
        }
    }
}

/// `fastcert stats --unit CODE [--month YYYY-MM] [--json]`
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "The three forms for a unit and month: certified silently, reminded, field-checked.")

    @Option(help: "The unit code.") var unit: String
    @Option(help: ArgumentHelp("The month (default: this month).", valueName: "YYYY-MM")) var month: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var ledger: LedgerOptions

    struct Output: Encodable {
        var unit: String
        var month: String
        var persons: Int
        var silent_share: Double
        var reminded_share: Double
        var field_checks: Int
        var suspensions: Int
        var certified_by_class: [String: Int]
    }

    func run() async throws {
        try await reportingFailures {
            let chosen =
                try month.map { text in
                    guard let parsed = Month(text) else { throw ValidationError("--month must be YYYY-MM") }
                    return parsed
                } ?? Month(Day(Date()))
            let s = try await ledger.open().stats(unit: unit, month: chosen)
            let output = Output(
                unit: s.unit, month: s.month.description, persons: s.persons, silent_share: s.silentShare, reminded_share: s.remindedShare,
                field_checks: s.fieldChecks, suspensions: s.suspensions, certified_by_class: s.certifiedByClass)
            if json {
                try printJSON(output)
            } else {
                print("\(s.unit) \(s.month): \(s.persons) persons")
                print(String(format: "  certified silently (no warning in 12 months): %.1f%%", s.silentShare * 100))
                print(String(format: "  reminded this month: %.2f%%", s.remindedShare * 100))
                print("  field checks opened this month: \(s.fieldChecks); suspensions: \(s.suspensions)")
                print(
                    "  certifications by evidence class: "
                        + s.certifiedByClass.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
        }
    }
}

/// Quotes a CSV field when it needs it.
func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}
