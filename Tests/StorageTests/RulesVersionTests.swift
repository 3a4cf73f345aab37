import Foundation
import GRDB
import Ledger
import Testing

@testable import Storage

/// The rules kept in the database: version 1 the shipped rules, a change a four-eyes decision,
/// every ledger event and decision stamped with the version it was made under.
@Suite("Rules versions")
struct RulesVersionTests {
    typealias Fixture = LedgerStoreTests

    /// The rules versions of Wang's ledger events, by kind, in order.
    static func eventVersions(_ store: LedgerStore) async throws -> [String] {
        try await store.database.writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT kind, rules_version FROM ledger_event WHERE person_id = ? ORDER BY id", arguments: [Fixture.wang]
            ).map { "\($0["kind"] as String) \(($0["rules_version"] as Int?).map(String.init) ?? "nil")" }
        }
    }

    /// The shipped rules with a higher threshold: a legitimate change.
    static func stricter() throws -> LedgerRules {
        var rules = try LedgerRules.shipped()
        rules.behaviour_model.threshold = 0.95
        return rules
    }

    @Test("a new database holds the shipped rules as version 1, loaded by the system, hashed over their canonical JSON")
    func fresh() async throws {
        try await Fixture.withLedger { store in
            let (version, rules) = try await store.rulesInForce()
            #expect(version.version == 1 && version.status == .inForce && version.requestedBy == "system" && version.decidedBy == "system")
            #expect(rules == (try LedgerRules.shipped()))
            #expect(version.sha256 == AppDatabase.rulesHash(String(decoding: try rules.canonicalJSON(), as: UTF8.self)))
            #expect(try LedgerStore.inForce(database: store.database).rulesVersion == 1)
            // The test initializer records the stored version with the same rules, else none.
            #expect(store.rulesVersion == 1)
            #expect(LedgerStore(database: store.database, rules: try Self.stricter()).rulesVersion == nil)
            // Persons imported under it: their entry events carry version 1 (if any), and nothing is unstamped.
            #expect(try await Self.eventVersions(store).allSatisfy { $0.hasSuffix(" 1") })
        }
    }

    @Test("a proposal approved by a second operator comes into force; later events and decisions carry the new version")
    func change() async throws {
        try await Fixture.withLedger { store in
            var report = ImportReport()
            try await store.importEvidence(
                Fixture.evidence(["social_security_bureau,S-1,\(Fixture.wang),bureau_counter_confirmation,2026-01-10"]),
                delivery: .staging(by: "cli:clerk", receivedOn: Day("2026-01-11")!), into: &report)
            _ = try await store.extend(
                person: Fixture.wang, until: Day("2027-01-31")!, reason: "abroad", by: "clerk a via fc_a", on: Day("2026-02-01")!)

            let proposal = try await store.proposeRules(
                try Self.stricter(), reason: "fewer behaviour certifications", by: "clerk a via fc_a")
            #expect(proposal.status == .pending && proposal.version == nil && proposal.requestedBy == "clerk a via fc_a")
            // One pending at a time; the rules in force are not proposed again.
            await #expect(throws: LedgerError.self) {
                _ = try await store.proposeRules(try Self.stricter(), reason: "again", by: "clerk c via fc_c")
            }
            // Four eyes: the proposer cannot approve.
            await #expect(throws: LedgerError.self) { _ = try await store.approveRules(proposal.id, reason: nil, by: "clerk a via fc_a") }
            do {
                _ = try await store.approveRules(proposal.id, reason: nil, by: "clerk a via fc_a")
            } catch let error as LedgerError {
                #expect(error.code == .sameOperator)
            }
            #expect(try await store.rulesInForce().version.version == 1, "nothing changed")
            let approved = try await store.approveRules(proposal.id, reason: "checked against last year", by: "clerk b via fc_b")
            #expect(approved.version == 2 && approved.status == .inForce && approved.decidedBy == "clerk b via fc_b")
            #expect(try await store.rulesVersions().map(\.status) == [.inForce, .superseded])
            await #expect(throws: LedgerError.self) { _ = try await store.approveRules(proposal.id, reason: nil, by: "clerk c via fc_c") }

            // The old store keeps deciding (and recording) under version 1; a store opened now, under 2.
            let now = try LedgerStore.inForce(database: store.database)
            #expect(now.rulesVersion == 2 && now.rules.behaviour_model.threshold == 0.95)
            try await now.importEvidence(
                Fixture.evidence(["social_security_bureau,S-2,\(Fixture.wang),bureau_counter_confirmation,2026-03-10"]),
                delivery: .staging(by: "cli:clerk", receivedOn: Day("2026-03-11")!), into: &report)
            _ = try await now.hold(
                person: Fixture.wang, until: Day("2026-06-01")!, reason: "inquiry", by: "clerk a via fc_a", on: Day("2026-03-12")!)
            let versions = try await Self.eventVersions(store)
            #expect(versions.suffix(4) == ["certified 1", "extended 1", "certified 2", "held 2"], "\(versions)")
            let decisions = try await store.decisions(unit: "3702")
            #expect(decisions.map(\.kind) == [.hold, .extend] && decisions.map(\.rulesVersion) == [2, 1])
            let timeline = try #require(try await store.person(ResidentID(Fixture.wang))?.timeline)
            #expect(timeline.filter { $0.kind == "certified" }.map(\.rulesVersion) == [1, 2])
        }
    }

    @Test("invalid rules are refused before they are proposed; a proposal is rejected once, and may be withdrawn by its proposer")
    func refusals() async throws {
        try await Fixture.withLedger { store in
            var zero = try LedgerRules.shipped()
            zero.behaviour_model.threshold = 0
            await #expect(throws: LedgerError.self) { _ = try await store.proposeRules(zero, reason: "why not", by: "clerk a via fc_a") }
            var relabelled = try LedgerRules.shipped()
            relabelled.kinds[relabelled.kinds.firstIndex { $0.kind == "bank_card_payment" }!].proves = .presence
            await #expect(throws: LedgerError.self) {
                _ = try await store.proposeRules(relabelled, reason: "more certified", by: "clerk a via fc_a")
            }
            await #expect(throws: LedgerError.self) {
                _ = try await store.proposeRules(try LedgerRules.shipped(), reason: "same", by: "clerk a via fc_a")
            }
            #expect(try await store.rulesVersions().count == 1, "nothing was recorded")

            let proposal = try await store.proposeRules(try Self.stricter(), reason: "stricter", by: "clerk a via fc_a")
            let withdrawn = try await store.rejectRules(proposal.id, reason: "a typo in it", by: "clerk a via fc_a")
            #expect(withdrawn.status == .rejected && withdrawn.version == nil && withdrawn.decidedBy == "clerk a via fc_a")
            await #expect(throws: LedgerError.self) { _ = try await store.approveRules(proposal.id, reason: nil, by: "clerk b via fc_b") }
            await #expect(throws: LedgerError.self) { _ = try await store.rejectRules(99, reason: "none", by: "clerk b via fc_b") }
            #expect(try await store.rulesInForce().version.version == 1)
        }
    }

    @Test("stored rules edited behind the service's back (their hash no longer matches) are refused at open")
    func tampered() async throws {
        try await Fixture.withLedger { store in
            try await store.database.writer.write { db in
                try db.execute(sql: "UPDATE rules_version SET rules_json = replace(rules_json, '\"threshold\":0.9', '\"threshold\":0.1')")
            }
            #expect(throws: LedgerError.self) { _ = try LedgerStore.inForce(database: store.database) }
        }
    }

    @Test("the daily sweep runs under the rules in force when it starts, not those its store opened with")
    func sweepTakesTheVersionInForce() async throws {
        try await Fixture.withLedger { store in
            let proposal = try await store.proposeRules(try Self.stricter(), reason: "stricter", by: "clerk a via fc_a")
            _ = try await store.approveRules(proposal.id, reason: nil, by: "clerk b via fc_b")
            // Wang's deadline under level 3 (12 months from 2025-06-01): a warning within 3 months.
            _ = try await store.sweepIfDue(on: Day("2026-04-01")!, by: "serve")
            let versions = try await Self.eventVersions(store)
            #expect(versions.last == "warning 2", "\(versions)")
        }
    }
}
