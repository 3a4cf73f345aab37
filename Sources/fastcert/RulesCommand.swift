import ArgumentParser
import Foundation
import Ledger
import Storage

/// `fastcert rules show|list|propose|approve|reject`: the rules in force are kept in the database,
/// versioned; changing them is a four-eyes decision.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "The evidence catalogue and deferral rules in force, and four-eyes changes to them.",
        discussion: """
            The rules in force are kept in the database (a new database takes the shipped rules as version 1); every \
            ledger event and decision records the version it was made under. To change them, edit a copy \
            (rules show --json), propose it (checked first), and have a second operator approve it: the operator who \
            proposed cannot. Both act with their own operator key of the city (--key-file or $FASTCERT_KEY), issued to them \
            by name: two keys of one holder are one pair of eyes, and the machine's account never proposes or approves. A running service picks up a new \
            version at its next daily sweep, and for everything else at its next start.
            """,
        subcommands: [Show.self, List.self, Propose.self, Approve.self, Reject.self])

    /// Who changes the rules, on the ledger the change is made in (opened once): an operator key
    /// of the city unit (the rules decide for the whole city).
    static func `operator`(_ store: LedgerStore, _ key: KeyOptions, to what: String) async throws -> String {
        let acting = try await key.acting(LedgerOptions.stores(ledger: store, vault: nil), roles: [.operator], to: what)
        try acting.key?.checkCoversWholeCity(for: "a rules change")
        return acting.actor
    }

    /// The rules store on the database (its rules, whatever is in force, are not needed to change them).
    static func store(_ options: LedgerOptions) throws -> any RulesStore { try options.openLedger() }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The version in force: number, hash, who loaded and approved it, when.")
        @Flag(help: "Print the rules themselves as JSON (a copy to edit and propose).") var json = false
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let (version, rules) = try await RulesCommand.store(ledger).rulesInForce()
                if json {
                    try printJSON(rules)
                } else {
                    print(describe(version))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every version and proposal, newest first.")
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                for version in try await RulesCommand.store(ledger).rulesVersions() { print(describe(version)) }
            }
        }
    }

    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Propose a rules file to replace the rules in force (checked first; a second operator approves).")
        @Argument(help: "The rules file (JSON, like rules show --json).") var file: String
        @Option(help: "Why (required; auditors read it).") var reason: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let rules = try LedgerRules.load(URL(filePath: file))
                let store = try ledger.openLedger()
                let actor = try await RulesCommand.operator(store, key, to: "propose rules")
                print(describe(try await store.proposeRules(rules, reason: reason, by: actor)))
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve another operator's rules proposal: it comes into force.")
        @Argument(help: "The proposal id (from rules propose or rules list).") var id: Int64
        @Option(help: "A note for the record (optional).") var reason: String?
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let store = try ledger.openLedger()
                let actor = try await RulesCommand.operator(store, key, to: "approve rules")
                print(describe(try await store.approveRules(id, reason: reason, by: actor)))
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse a rules proposal (or withdraw your own).")
        @Argument(help: "The proposal id.") var id: Int64
        @Option(help: "Why (required; auditors read it).") var reason: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let store = try ledger.openLedger()
                let actor = try await RulesCommand.operator(store, key, to: "reject rules")
                print(describe(try await store.rejectRules(id, reason: reason, by: actor)))
            }
        }
    }
}

/// One line for a rules version or proposal.
func describe(_ v: RulesVersion) -> String {
    var parts = ["rules proposal \(v.id)", v.version.map { "version \($0)" } ?? "no version", v.status.rawValue, "sha256 \(v.sha256)"]
    parts.append("loaded by \(v.requestedBy) at \(v.requestedAt): \(v.reason)")
    if let by = v.decidedBy {
        let verb = v.status == .rejected ? "rejected" : "approved"
        parts.append("\(verb) by \(by) at \(v.decidedAt ?? "")\(v.decisionReason.map { ": \($0)" } ?? "")")
    }
    return parts.joined(separator: "  ")
}
