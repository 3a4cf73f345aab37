import ArgumentParser
import Foundation
import Ledger

/// `fastcert appeals file|list|resolve`: appeals against a suspension or a death record.
struct AppealsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appeals",
        abstract: "Appeals against a suspension or a death record, with a clock (docs/ledger.md, Appeals).",
        discussion: """
            An appeal is due appeal_days working days after it is filed (rules file, pensioner_side) and is on the \
            worklist of the person's community and district; the daily sweep escalates an overdue one to the district \
            (alerts --kind appeal-overdue). Rejecting it is one named operator's decision; upholding it asks the \
            four-eyes decision (reinstate, reverse-death) and is upheld when another person approves that \
            (decisions approve ID). Whoever filed it never decides it.
            """,
        subcommands: [File.self, List.self, Resolve.self])

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "File an appeal for a suspended or deceased person (as a community worker: an operator key of their community).")
        @Argument(help: "The person's resident ID.") var residentID: String
        @Option(help: "Why the suspension or death record is wrong.") var grounds: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let stores = try ledger.open()
                let acting = try await key.acting(stores, roles: [.operator, .staff], to: "file appeals")
                guard let store = stores.appeals else { throw CommandFailure.input("this ledger keeps no appeals") }
                let person = try ResidentID(residentID).value
                let community = (acting.key?.unitPath.split(separator: "/").count ?? 0) >= 4
                let appeal = try await store.fileAppeal(
                    AppealFiling(person: person, filer: community ? .communityWorker : .operator, actor: acting.actor, grounds: grounds),
                    scope: acting.scope, on: ServiceClock.today())
                print(describe(appeal))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Appeals in a unit's subtree, newest first.")
        @Option(help: "The unit code.") var unit: String
        @Option(help: "Only open, upheld, rejected or moot ones.") var status: Appeal.Status?
        @Option(help: "Only this person's.") var person: String?
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                guard let store = try ledger.open().appeals else { throw CommandFailure.input("this ledger keeps no appeals") }
                let appeals = try await store.appeals(unit: unit, status: status, person: try person.map { try ResidentID($0).value })
                for appeal in appeals { print(describe(appeal)) }
                print("\(appeals.count) appeal(s) under \(unit)")
            }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide an appeal: rejected, or upheld (asks a second operator to reinstate or reverse the death).")
        @Argument(help: "The appeal id (from appeals list).") var id: Int64
        @Option(help: "upheld or rejected.") var outcome: Appeal.Outcome
        @Option(help: "Why (required; the appellant and auditors read it).") var reason: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let stores = try ledger.open()
                let acting = try await key.acting(stores, roles: [.operator], to: "decide appeals")
                guard let store = stores.appeals else { throw CommandFailure.input("this ledger keeps no appeals") }
                let decided = try await store.resolveAppeal(
                    id, outcome: outcome, reason: reason, by: acting.actor, scope: acting.scope, on: ServiceClock.today())
                print(describe(decided.appeal))
                if let request = decided.request { print(DecisionsCommand.describeRequest(request)) }
            }
        }
    }
}

extension Appeal.Status: ExpressibleByArgument {}
extension Appeal.Outcome: ExpressibleByArgument {}

extension DecisionsCommand {
    /// The four-eyes request an upholding made, and what the second operator runs.
    static func describeRequest(_ d: Decision) -> String {
        describe(d) + "\n  a second operator approves it: fastcert decisions approve \(d.id)"
    }
}

func describe(_ a: Appeal) -> String {
    var parts = [
        "appeal \(a.id)", a.status.rawValue, a.personID, a.name, a.unitCode, "against the \(a.subject.rawValue) record",
        "filed \(a.filedOn) by \(a.filedByRole.rawValue) \(a.filedBy)" + (a.relativeName.map { " (\($0), \(a.relation ?? ""))" } ?? ""),
        "due \(a.dueOn)",
    ]
    if a.overdue(on: ServiceClock.today()) { parts.append("OVERDUE") }
    if let district = a.escalatedTo { parts.append("escalated to \(district)") }
    if let decision = a.decisionID, a.status == .open { parts.append("upheld by \(a.resolvedBy ?? ""), waiting for decision \(decision)") }
    if let day = a.resolvedOn { parts.append("\(a.status.rawValue) on \(day) by \(a.resolvedBy ?? ""): \(a.reason ?? "")") }
    parts.append("grounds: \(a.grounds)")
    return parts.joined(separator: "  ")
}
