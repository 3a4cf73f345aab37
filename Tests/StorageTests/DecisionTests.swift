import Foundation
import GRDB
import Ledger
import Testing

@testable import Storage

/// Operators' decisions beyond the data, through the real ledger on a database file: every one
/// carries a reason and its actors, and those that can send money (a death reversed, a suspension
/// lifted) need a second operator.
@Suite("Operators' decisions")
struct DecisionTests {
    typealias Fixture = LedgerStoreTests

    static func actors(_ store: LedgerStore, kind: String) async throws -> [String] {
        try await store.database.writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT coalesce(actor, '') FROM ledger_event WHERE person_id = ? AND kind = ? ORDER BY id",
                arguments: [Fixture.wang, kind])
        }
    }

    @Test("conflicts: rejecting the evidence keeps the death; disputing it asks a second operator, whose approval reverses it")
    func conflictsAndReversal() async throws {
        try await Fixture.withLedger { store in
            var report = ImportReport()
            try await store.importEvidence(
                Fixture.evidence([
                    "social_security_bureau,S-1,\(Fixture.wang),bureau_counter_confirmation,2026-05-10",
                    "health_commission,D-1,\(Fixture.wang),hospital_death_certificate,2026-07-20",
                ]), delivery: .file(by: "cli:clerk", receivedOn: Day("2026-08-01")!), into: &report)
            // After the "death": the card used at a pharmacy, then a community visit finds Wang at home.
            try await store.importEvidence(
                Fixture.evidence([
                    "social_security_card,C-1,\(Fixture.wang),card_pharmacy_spending,2026-08-03",
                    "community_office,V-1,\(Fixture.wang),home_visit,2026-09-15",
                ]), delivery: .file(by: "cli:clerk", receivedOn: Day("2026-09-16")!), into: &report)
            let open = try await store.conflicts(unit: "3702")
            #expect(open.count == 2 && open.allSatisfy { $0.personID == Fixture.wang && $0.resolution == nil }, "\(open)")
            let card = try #require(open.first { $0.cause.contains("card_pharmacy_spending") })
            let visit = try #require(open.first { $0.cause.contains("home_visit") })

            // A reason is required; the card's use was a relative's: the evidence is rejected, the death stands.
            await #expect(throws: LedgerError(.invalidDecision, "give a reason (an auditor reads it): what happened and how you know")) {
                _ = try await store.resolveConflict(card.id, outcome: .evidenceRejected, reason: "  ", by: "fc_a", on: Day("2026-09-20")!)
            }
            let rejected = try await store.resolveConflict(
                card.id, outcome: .evidenceRejected, reason: "daughter used the card, she says so", by: "fc_a", on: Day("2026-09-20")!)
            #expect(rejected.count == 1 && rejected[0].status == "done" && rejected[0].outcome == "evidence_rejected")
            await #expect(throws: LedgerError.self) {
                _ = try await store.resolveConflict(card.id, outcome: .deathDisputed, reason: "again", by: "fc_b", on: Day("2026-09-20")!)
            }
            #expect(try await store.person(ResidentID(Fixture.wang))?.ledger.status == .deceased)

            // The visit disputes the death: a request for a second operator, nothing changed yet.
            let disputed = try await store.resolveConflict(
                visit.id, outcome: .deathDisputed, reason: "staff saw Wang at home on 2026-09-15", by: "fc_a", on: Day("2026-09-20")!)
            #expect(disputed.map(\.kind) == [.resolveConflict, .reverseDeath] && disputed[1].status == "pending")
            #expect(try await store.person(ResidentID(Fixture.wang))?.ledger.status == .deceased)
            await #expect(throws: LedgerError.self) {
                _ = try await store.approve(disputed[1].id, reason: nil, by: "fc_a", on: Day("2026-09-21")!)
            }
            do {
                _ = try await store.approve(disputed[1].id, reason: nil, by: "fc_a", on: Day("2026-09-21")!)
            } catch let error as LedgerError {
                #expect(error.code == .sameOperator)
            }

            // A second operator approves: the death is reversed, the visit applied again resumes Wang
            // with the months since the "death" owed, and the conflicts close.
            let approved = try await store.approve(
                disputed[1].id, reason: "checked the hospital: wrong patient", by: "fc_b", on: Day("2026-09-22")!)
            #expect(approved.decision.status == "approved" && approved.decision.decidedBy == "fc_b")
            #expect(approved.changes["death_reversed"] == 1 && approved.changes["resumed"] == 1, "\(approved.changes)")
            let wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.ledger.status == .active && wang.ledger.deathDay == nil && wang.ledger.lastCertified == Day("2026-09-15"))
            #expect(wang.timeline.contains { $0.kind == "death_reversed" && $0.detail.contains("asked by fc_a") })
            #expect(try await Self.actors(store, kind: "death_reversed") == ["fc_b"])
            #expect(try await Self.actors(store, kind: "resolved") == ["fc_a", "fc_a"])
            #expect(try await store.conflicts(unit: "3702").isEmpty)
            #expect(try await store.conflicts(unit: "3702", includeResolved: true).count == 2)
            let october = try #require(try await store.payroll(month: Month("2026-10")!).first { $0.personID == Fixture.wang })
            #expect(october.payable && october.backPayMonths > 0)
            // Decided once.
            await #expect(throws: LedgerError.self) {
                _ = try await store.reject(disputed[1].id, reason: "too late", by: "fc_c", on: Day("2026-09-23")!)
            }
        }
    }

    @Test("reinstating needs a second operator; extensions and holds carry a reason and an expiry; a hold's months are paid on release")
    func reinstateExtendHold() async throws {
        try await Fixture.withLedger { store in
            _ = try await store.sweep(on: Day("2026-06-02")!)
            #expect(try await store.person(ResidentID(Fixture.wang))?.ledger.status == .suspended)
            let first = try await store.request(
                .reinstate, person: Fixture.wang, reason: "in hospital in Jinan", by: "fc_a", on: Day("2026-06-05")!)
            await #expect(throws: LedgerError.self) {
                _ = try await store.request(.reinstate, person: Fixture.wang, reason: "twice", by: "fc_a", on: Day("2026-06-05")!)
            }
            let refused = try await store.reject(first.id, reason: "no document from the hospital", by: "fc_b", on: Day("2026-06-06")!)
            #expect(refused.status == "rejected" && refused.decisionReason == "no document from the hospital")
            let second = try await store.request(
                .reinstate, person: Fixture.wang, reason: "discharge letter of Jinan Central Hospital", by: "fc_a", on: Day("2026-06-08")!)
            let approved = try await store.approve(second.id, reason: nil, by: "fc_b", on: Day("2026-06-10")!)
            #expect(approved.changes["reinstated"] == 1)
            var wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.ledger.status == .active && wang.ledger.deadline == Day("2026-09-10"))
            #expect(try await store.payroll(month: Month("2026-07")!).first { $0.personID == Fixture.wang }?.backPayMonths == 1)

            // An extension: later than the deadline, within 12 months; never for the suspended.
            await #expect(throws: LedgerError.self) {
                _ = try await store.extend(
                    person: Fixture.li, until: Day("2028-01-01")!, reason: "abroad", by: "fc_a", on: Day("2026-06-10")!)
            }
            let extended = try await store.extend(
                person: Fixture.wang, until: Day("2026-12-31")!, reason: "living with his son in Canada until December", by: "fc_a",
                on: Day("2026-06-11")!)
            #expect(extended.kind == .extend && extended.until == Day("2026-12-31"))
            wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.ledger.deadline == Day("2026-12-31"))
            #expect(wang.timeline.contains { $0.kind == "extended" && $0.detail.contains("living with his son") })

            // A hold: from the next payroll to its expiry; the sweep ends it and the held months are owed.
            await #expect(throws: LedgerError.self) {
                _ = try await store.hold(
                    person: Fixture.wang, until: Day("2027-06-15")!, reason: "inquiry", by: "fc_a", on: Day("2026-06-15")!)
            }
            let hold = try await store.hold(
                person: Fixture.wang, until: Day("2026-09-01")!, reason: "bank reports a changed account holder", by: "fc_a",
                on: Day("2026-06-15")!)
            #expect(hold.status == "in_force")
            await #expect(throws: LedgerError.self) {
                _ = try await store.hold(
                    person: Fixture.wang, until: Day("2026-08-01")!, reason: "again", by: "fc_b", on: Day("2026-06-16")!)
            }
            #expect(try await store.payroll(month: Month("2026-07")!).first { $0.personID == Fixture.wang }?.payable == false)
            #expect(try await store.payroll(month: Month("2026-09")!).first { $0.personID == Fixture.wang }?.payable == false)
            let sweep = try await store.sweep(on: Day("2026-09-01")!)
            #expect(sweep.changes["released"] == 1)
            #expect(try await store.decisions(unit: "3702", status: "in_force").isEmpty)
            let october = try #require(try await store.payroll(month: Month("2026-10")!).first { $0.personID == Fixture.wang })
            #expect(october.payable && october.backPayMonths == 3, "July, August and September were held")
            #expect(try await Self.actors(store, kind: "held") == ["fc_a"])
            #expect(try await Self.actors(store, kind: "released") == ["sweep"])
            #expect(try await Self.actors(store, kind: "reinstated") == ["fc_b"])
            #expect(try await store.decisions(unit: "3702").count == 4)
        }
    }
}
