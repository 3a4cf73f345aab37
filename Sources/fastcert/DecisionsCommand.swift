import ArgumentParser
import Foundation
import Ledger

/// `fastcert conflicts list|resolve`
struct ConflictsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts", abstract: "Signs of life after a recorded death, for operators to resolve.",
        subcommands: [List.self, Resolve.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open conflicts in a unit's subtree (with --all, resolved ones too).")
        @Option(help: "The unit code.") var unit: String
        @Flag(help: "Include resolved conflicts, with their resolution.") var all = false
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let conflicts = try await ledger.open().casework.conflicts(unit: unit, includeResolved: all)
                for c in conflicts {
                    let resolution = c.resolution.map {
                        " [resolved \($0.requestedOn) by \($0.requestedBy): \($0.outcome ?? ""), \($0.reason)]"
                    }
                    print("\(c.id)  \(c.day)  \(c.personID)  \(c.name)  \(c.unitCode)  \(c.cause)\(resolution ?? "")")
                }
                print("\(conflicts.count) conflict(s) under \(unit)")
            }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a conflict: evidence_rejected (the death stands) or death_disputed (asks a second operator to reverse it).")
        @Argument(help: "The conflict id (from conflicts list).") var id: Int64
        @Option(help: "evidence_rejected or death_disputed.") var outcome: ConflictOutcome
        @Option(help: "What was found and how (required; auditors read it).") var reason: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let stores = try ledger.open()
                let acting = try await key.acting(stores, roles: [.operator], to: "resolve conflicts")
                let decisions = try await stores.casework.resolveConflict(
                    id, outcome: outcome, reason: reason, by: acting.actor, scope: acting.scope, on: ServiceClock.today())
                for decision in decisions { print(describe(decision)) }
            }
        }
    }
}

/// `fastcert decisions list|reverse-death|reinstate|change-benefit|correct|approve|reject|extend|hold|release`
struct DecisionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract:
            "Operators' decisions: four-eyes reversals of a death, reinstatements, benefit changes and corrections; extensions, payment holds.",
        discussion: """
            Reversing a recorded death or reinstating a suspended person is a request until a second person \
            approves it. Both act with their own operator key (--key-file or $FASTCERT_KEY), issued to them by name \
            (keys create --holder): two keys of one holder are one pair of eyes, and the machine's account (no key) \
            never asks or approves. Every decision is a ledger event naming its actor and reason. \
            A benefit amount or level changes only by a change-benefit request with a reason and an effective month \
            (payroll pays each month at the amount in force for it, back pay included); a name or birth date only \
            by a correct request; both wait for a second person's approval.
            """,
        subcommands: [
            List.self, ReverseDeath.self, Reinstate.self, ChangeBenefit.self, Correct.self, Approve.self, Reject.self, Extend.self,
            Hold.self, Release.self,
        ])

    struct Common: ParsableArguments {
        @Option(help: "Why (required; auditors read it).") var reason: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        /// A decision is dated the day it is made: the service's today.
        var day: Day { ServiceClock.today() }

        /// Opens the ledger, makes the decision as the key's holder (or the system account) on the
        /// day, within the key's unit, prints it.
        func decide(_ body: (any CaseworkStore, Acting, Day) async throws -> Decision) async throws {
            let stores = try ledger.open()
            let acting = try await key.acting(stores, roles: [.operator], to: "make decisions")
            print(describe(try await body(stores.casework, acting, day)))
        }
    }

    /// `--until` as a day.
    static func day(_ text: String) throws -> Day {
        guard let day = Day(text) else { throw ValidationError("--until must be a YYYY-MM-DD date") }
        return day
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decisions about persons in a unit's subtree, newest first.")
        @Option(help: "The unit code.") var unit: String
        @Option(help: "Only this status: pending, approved, rejected, in_force, ended or done.") var status: String?
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let decisions = try await ledger.open().casework.decisions(unit: unit, status: status)
                for decision in decisions { print(describe(decision)) }
                print("\(decisions.count) decision(s) under \(unit)")
            }
        }
    }

    struct ReverseDeath: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reverse-death", abstract: "Ask for a recorded death to be reversed (a second operator approves).")
        @Argument(help: "The resident ID.") var residentID: String
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingFailures {
                try await common.decide {
                    try await $0.request(.reverseDeath, person: residentID, reason: common.reason, by: $1.actor, scope: $1.scope, on: $2)
                }
            }
        }
    }

    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask for a suspended person to be reinstated (a second operator approves).")
        @Argument(help: "The resident ID.") var residentID: String
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingFailures {
                try await common.decide {
                    try await $0.request(.reinstate, person: residentID, reason: common.reason, by: $1.actor, scope: $1.scope, on: $2)
                }
            }
        }
    }

    struct ChangeBenefit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "change-benefit",
            abstract: "Ask for a benefit amount and/or level change from an effective month (a second operator approves).")
        @Argument(help: "The resident ID.") var residentID: String
        @Option(help: "The new monthly amount in yuan.") var amount: String?
        @Option(help: "The new benefit level.") var level: String?
        @Option(
            help: ArgumentHelp(
                "The first month at the new amount (at most 12 months back, never a month already paid).", valueName: "YYYY-MM"))
        var effectiveMonth: String
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingFailures {
                guard amount != nil || level != nil else { throw ValidationError("give --amount, --level or both") }
                try await common.decide {
                    try await $0.requestBenefitChange(
                        person: residentID, level: level, amount: amount, effectiveMonth: effectiveMonth, reason: common.reason,
                        by: $1.actor,
                        scope: $1.scope, on: $2)
                }
            }
        }
    }

    struct Correct: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask for a person's name and/or birth date to be corrected (a second operator approves).")
        @Argument(help: "The resident ID.") var residentID: String
        @Option(help: "The corrected name.") var name: String?
        @Option(help: ArgumentHelp("The corrected birth date.", valueName: "YYYY-MM-DD")) var birthDate: String?
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingFailures {
                guard name != nil || birthDate != nil else { throw ValidationError("give --name, --birth-date or both") }
                try await common.decide {
                    try await $0.requestCorrection(
                        person: residentID, name: name, birthDate: birthDate, reason: common.reason, by: $1.actor, scope: $1.scope, on: $2)
                }
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve another operator's pending request.")
        @Argument(help: "The decision id.") var id: Int64
        @Option(help: "A note for the record (optional).") var reason: String?
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let stores = try ledger.open()
                let acting = try await key.acting(stores, roles: [.operator], to: "approve decisions")
                let result = try await stores.casework.approve(
                    id, reason: reason, by: acting.actor, scope: acting.scope, on: ServiceClock.today())
                let summary = result.changes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                print(describe(result.decision) + (summary.isEmpty ? "" : "; ledger changes: \(summary)"))
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse a pending request (or withdraw your own).")
        @Argument(help: "The decision id.") var id: Int64
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingFailures {
                try await common.decide { try await $0.reject(id, reason: common.reason, by: $1.actor, scope: $1.scope, on: $2) }
            }
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move an active person's deadline (in hospital, living abroad), within the rules' limit.")
        @Argument(help: "The resident ID.") var residentID: String
        @Option(help: ArgumentHelp("The new deadline.", valueName: "YYYY-MM-DD")) var until: String
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingFailures {
                try await common.decide {
                    try await $0.extend(
                        person: residentID, until: try DecisionsCommand.day(until), reason: common.reason, by: $1.actor, scope: $1.scope,
                        on: $2)
                }
            }
        }
    }

    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold a person's payment from the next payroll until a day (the held months are paid on release).")
        @Argument(help: "The resident ID.") var residentID: String
        @Option(help: ArgumentHelp("The hold's expiry.", valueName: "YYYY-MM-DD")) var until: String
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingFailures {
                try await common.decide {
                    try await $0.hold(
                        person: residentID, until: try DecisionsCommand.day(until), reason: common.reason, by: $1.actor, scope: $1.scope,
                        on: $2)
                }
            }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a payment hold before its expiry.")
        @Argument(help: "The hold's decision id.") var id: Int64
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingFailures {
                try await common.decide { try await $0.release(id, reason: common.reason, by: $1.actor, scope: $1.scope, on: $2) }
            }
        }
    }
}

/// One line per decision: id, kind, status, person, who asked and decided, and why.
func describe(_ d: Decision) -> String {
    var parts = ["decision \(d.id)", d.kind.rawValue, d.status, d.personID, d.name]
    if let conflict = d.conflictID { parts.append("conflict \(conflict): \(d.outcome ?? "")") }
    if let until = d.until { parts.append("until \(until)") }
    if let change = d.change {
        if let level = change.benefitLevel { parts.append("level \(level)") }
        if let fen = change.amountFen { parts.append("amount \(Yuan.text(fen: fen))") }
        if let month = change.effectiveMonth { parts.append("from \(month)") }
        if change.name != nil { parts.append("name corrected") }
        if let birth = change.birthDate { parts.append("birth date \(birth)") }
    }
    parts.append("asked by \(d.requestedBy) on \(d.requestedOn): \(d.reason)")
    if let by = d.decidedBy, d.decidedBy != d.requestedBy || d.kind.needsSecondOperator || d.kind == .hold {
        parts.append("decided by \(by) on \(d.decidedOn?.description ?? "")\(d.decisionReason.map { ": \($0)" } ?? "")")
    }
    parts.append(d.rulesVersion.map { "rules v\($0)" } ?? "rules unrecorded")
    return parts.joined(separator: "  ")
}

extension ConflictOutcome: ExpressibleByArgument {}
