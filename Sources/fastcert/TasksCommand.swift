import ArgumentParser
import Foundation
import Ledger

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
                let tasks = try await ledger.open().casework.tasks(unit: unit, includeClosed: all)
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
        @Option(help: "seen-alive, deceased, unreachable, or reached (phone-call tasks).") var outcome: TaskOutcome
        @Option(help: ArgumentHelp("The day of the visit (default: today).", valueName: "YYYY-MM-DD")) var day: String?
        @Option(help: "What staff found, in a few words (shown on the person's timeline; at most 500 characters).") var note: String?
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let day = try parseDay(day, option: "--day")
                let stores = try ledger.open()
                // A visit is evidence of life: recorded by the staff member who made it, with their
                // own key, never by the machine's account.
                let acting = try await key.acting(stores, roles: [.operator], to: "complete tasks")
                try ActorID.requireNamed(acting.actor, to: "record what staff found on a task")
                let changes = try await stores.casework.completeTask(
                    id, outcome: outcome, on: day, note: note, by: acting.actor, scope: acting.scope)
                let summary = changes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                print("task \(id): \(outcome.rawValue)\(summary.isEmpty ? "" : "; ledger changes: \(summary)")")
            }
        }
    }
}

extension TaskOutcome: ExpressibleByArgument {}
