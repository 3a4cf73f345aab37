import Foundation
import GRDB
import Ledger
import Simulation
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
            #expect(try await Fixture.pay(store, "2026-07") == ["2026-07 regular"])
            var report = ImportReport()
            try await store.importEvidence(
                Fixture.evidence([
                    "social_security_bureau,S-1,\(Fixture.wang),bureau_counter_confirmation,2026-05-10",
                    "health_commission,D-1,\(Fixture.wang),hospital_death_certificate,2026-07-20",
                ]), delivery: .staging(by: "cli:clerk", receivedOn: Day("2026-08-01")!), into: &report)
            // After the "death": the card used at a pharmacy, then a community visit finds Wang at home.
            try await store.importEvidence(
                Fixture.evidence([
                    "social_security_card,C-1,\(Fixture.wang),card_pharmacy_spending,2026-08-03",
                    "community_office,V-1,\(Fixture.wang),home_visit,2026-09-15",
                ]), delivery: .staging(by: "cli:clerk", receivedOn: Day("2026-09-16")!), into: &report)
            let open = try await store.conflicts(unit: "3702")
            #expect(open.count == 2 && open.allSatisfy { $0.personID == Fixture.wang && $0.resolution == nil }, "\(open)")
            #expect(try await Fixture.pay(store, "2026-08").isEmpty)
            #expect(try await Fixture.pay(store, "2026-09").isEmpty)
            #expect(try await store.recoveries(unit: "3702").isEmpty, "July, the month of death, was owed")
            let card = try #require(open.first { $0.cause.contains("card_pharmacy_spending") })
            let visit = try #require(open.first { $0.cause.contains("home_visit") })

            // A reason is required; the card's use was a relative's: the evidence is rejected, the death stands.
            await #expect(throws: LedgerError(.invalidDecision, "give a reason (an auditor reads it): what happened and how you know")) {
                _ = try await store.resolveConflict(
                    card.id, outcome: .evidenceRejected, reason: "  ", by: "clerk a via fc_a", on: Day("2026-09-20")!)
            }
            let rejected = try await store.resolveConflict(
                card.id, outcome: .evidenceRejected, reason: "daughter used the card, she says so", by: "clerk a via fc_a",
                on: Day("2026-09-20")!)
            try #require(rejected.count == 1)
            #expect(rejected[0].status == "done" && rejected[0].outcome == "evidence_rejected")
            await #expect(throws: LedgerError.self) {
                _ = try await store.resolveConflict(
                    card.id, outcome: .deathDisputed, reason: "again", by: "clerk b via fc_b", on: Day("2026-09-20")!)
            }
            #expect(try await store.person(ResidentID(Fixture.wang))?.ledger.status == .deceased)

            // The visit disputes the death: a request for a second operator, nothing changed yet.
            let disputed = try await store.resolveConflict(
                visit.id, outcome: .deathDisputed, reason: "staff saw Wang at home on 2026-09-15", by: "clerk a via fc_a",
                on: Day("2026-09-20")!)
            try #require(disputed.map(\.kind) == [.resolveConflict, .reverseDeath])
            #expect(disputed[1].status == "pending")
            #expect(try await store.person(ResidentID(Fixture.wang))?.ledger.status == .deceased)
            let same = await #expect(throws: LedgerError.self) {
                _ = try await store.approve(disputed[1].id, reason: nil, by: "clerk a via fc_a", on: Day("2026-09-21")!)
            }
            #expect(same?.code == .sameOperator)

            // A second operator approves: the death is reversed, the visit applied again resumes Wang
            // with the months since the "death" owed, and the conflicts close.
            let approved = try await store.approve(
                disputed[1].id, reason: "checked the hospital: wrong patient", by: "clerk b via fc_b", on: Day("2026-09-22")!)
            #expect(approved.decision.status == "approved" && approved.decision.decidedBy == "clerk b via fc_b")
            #expect(approved.changes["death_reversed"] == 1 && approved.changes["resumed"] == 1, "\(approved.changes)")
            let wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.ledger.status == .active && wang.ledger.deathDay == nil && wang.ledger.lastCertified == Day("2026-09-15"))
            #expect(wang.timeline.contains { $0.kind == "death_reversed" && $0.detail.contains("asked by clerk a via fc_a") })
            #expect(try await Self.actors(store, kind: "death_reversed") == ["clerk b via fc_b"])
            #expect(try await Self.actors(store, kind: "resolved") == ["clerk a via fc_a", "clerk a via fc_a"])
            #expect(try await store.conflicts(unit: "3702").isEmpty)
            let resolved = try await store.conflicts(unit: "3702", includeResolved: true)
            #expect(resolved.count == 2 && resolved.allSatisfy { $0.resolution != nil }, "each with its resolution")
            // Alive all along: August and September, not paid while "dead", are paid with October.
            #expect(try await Fixture.pay(store, "2026-10") == ["2026-08 back_pay", "2026-09 back_pay", "2026-10 regular"])
            // Decided once.
            await #expect(throws: LedgerError.self) {
                _ = try await store.reject(disputed[1].id, reason: "too late", by: "clerk c via fc_c", on: Day("2026-09-23")!)
            }
        }
    }

    @Test("reinstating needs a second operator; extensions and holds carry a reason and an expiry; a hold's months are paid on release")
    func reinstateExtendHold() async throws {
        try await Fixture.withLedger { store in
            try await Fixture.pay(store, "2026-05")
            try await Fixture.pay(store, "2026-06")
            _ = try await store.sweep(on: Day("2026-06-02")!)
            #expect(try await store.person(ResidentID(Fixture.wang))?.ledger.status == .suspended)
            let first = try await store.request(
                .reinstate, person: Fixture.wang, reason: "in hospital in Jinan", by: "clerk a via fc_a", on: Day("2026-06-05")!)
            await #expect(throws: LedgerError.self) {
                _ = try await store.request(
                    .reinstate, person: Fixture.wang, reason: "twice", by: "clerk a via fc_a", on: Day("2026-06-05")!)
            }
            let refused = try await store.reject(
                first.id, reason: "no document from the hospital", by: "clerk b via fc_b", on: Day("2026-06-06")!)
            #expect(refused.status == "rejected" && refused.decisionReason == "no document from the hospital")
            let second = try await store.request(
                .reinstate, person: Fixture.wang, reason: "discharge letter of Jinan Central Hospital", by: "clerk a via fc_a",
                on: Day("2026-06-08")!)
            let approved = try await store.approve(second.id, reason: nil, by: "clerk b via fc_b", on: Day("2026-06-10")!)
            #expect(approved.changes["reinstated"] == 1)
            var wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.ledger.status == .active && wang.ledger.deadline == Day("2026-09-10"))
            // Suspended on 2026-06-02 and reinstated on 2026-06-10: June was paid on its first day.

            // An extension: later than the deadline, within 12 months; never for the suspended.
            await #expect(throws: LedgerError.self) {
                _ = try await store.extend(
                    person: Fixture.li, until: Day("2028-01-01")!, reason: "abroad", by: "clerk a via fc_a", on: Day("2026-06-10")!)
            }
            let extended = try await store.extend(
                person: Fixture.wang, until: Day("2026-12-31")!, reason: "living with his son in Canada until December",
                by: "clerk a via fc_a",
                on: Day("2026-06-11")!)
            #expect(extended.kind == .extend && extended.until == Day("2026-12-31"))
            wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.ledger.deadline == Day("2026-12-31"))
            #expect(wang.timeline.contains { $0.kind == "extended" && $0.detail.contains("living with his son") })

            // A hold: from the next payroll to its expiry; the sweep ends it and the held months are owed.
            await #expect(throws: LedgerError.self) {
                _ = try await store.hold(
                    person: Fixture.wang, until: Day("2027-06-15")!, reason: "inquiry", by: "clerk a via fc_a", on: Day("2026-06-15")!)
            }
            let hold = try await store.hold(
                person: Fixture.wang, until: Day("2026-09-01")!, reason: "bank reports a changed account holder", by: "clerk a via fc_a",
                on: Day("2026-06-15")!)
            #expect(hold.status == "in_force")
            await #expect(throws: LedgerError.self) {
                _ = try await store.hold(
                    person: Fixture.wang, until: Day("2026-08-01")!, reason: "again", by: "clerk b via fc_b", on: Day("2026-06-16")!)
            }
            for month in ["2026-07", "2026-08", "2026-09"] {  // September's run before the day's sweep
                #expect(try await Fixture.pay(store, month).isEmpty, "held in \(month)")
            }
            let sweep = try await store.sweep(on: Day("2026-09-01")!)
            #expect(sweep.changes["released"] == 1)
            #expect(try await store.decisions(unit: "3702", status: "in_force").isEmpty)
            #expect(
                try await Fixture.pay(store, "2026-10") == ["2026-07 back_pay", "2026-08 back_pay", "2026-09 back_pay", "2026-10 regular"],
                "July, August and September were held")
            #expect(try await Self.actors(store, kind: "held") == ["clerk a via fc_a"])
            #expect(try await Self.actors(store, kind: "released") == ["sweep"])
            #expect(try await Self.actors(store, kind: "reinstated") == ["clerk b via fc_b"])
            #expect(try await store.decisions(unit: "3702").count == 4)
        }
    }

    @Test(
        "random histories of evidence, sweeps and decisions by three operators: four eyes, one open request, actors and deaths hold",
        arguments: 1...6)
    func randomDecisions(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        try await Fixture.withLedger { store in
            let people = [Fixture.wang, Fixture.li]
            let operators = ["clerk a via fc_a", "clerk b via fc_b", "clerk c via fc_c"]
            let kinds = store.rules.kinds.filter { $0.class != .biometric && $0.source != "fastcert" }
            var day = Day("2025-07-01")!
            var serial = 0
            for _ in 0..<80 {
                day = day.adding(days: Int.random(in: 5...25, using: &random))
                // A few rows, observed up to 40 days back (late delivery), now and then a death.
                var lines: [String] = []
                for _ in 0..<Int.random(in: 0...2, using: &random) {
                    serial += 1
                    let kind = kinds.randomElement(using: &random)!
                    if kind.class == .death && Int.random(in: 0..<10, using: &random) > 0 { continue }
                    let observed = day.adding(days: -Int.random(in: 0...40, using: &random))
                    // Li is rarely heard of, so lapses and suspensions happen.
                    let subject = Int.random(in: 0..<12, using: &random) == 0 ? Fixture.li : Fixture.wang
                    lines.append("\(kind.source),R-\(serial),\(subject),\(kind.kind),\(observed)")
                }
                var report = ImportReport()
                try await store.importEvidence(Fixture.evidence(lines), delivery: .staging(by: "cli:feed", receivedOn: day), into: &report)
                _ = try await store.sweep(on: day)
                // Each operator tries something; refusals (LedgerError) are part of the history.
                let actor = operators.randomElement(using: &random)!
                let person = people.randomElement(using: &random)!
                do {
                    switch Int.random(in: 0..<8, using: &random) {
                    case 0:
                        if let conflict = try await store.conflicts(unit: "3702").randomElement(using: &random) {
                            _ = try await store.resolveConflict(
                                conflict.id, outcome: ConflictOutcome.allCases.randomElement(using: &random)!,
                                reason: "checked",
                                by: actor, on: day)
                        }
                    case 1: _ = try await store.request(.reverseDeath, person: person, reason: "seen alive", by: actor, on: day)
                    case 2: _ = try await store.request(.reinstate, person: person, reason: "letter", by: actor, on: day)
                    case 3, 4:
                        if let pending = try await store.decisions(unit: "3702", status: "pending").randomElement(using: &random) {
                            _ = try await store.approve(pending.id, reason: nil, by: actor, on: day)
                        }
                    case 5:
                        if let pending = try await store.decisions(unit: "3702", status: "pending").randomElement(using: &random) {
                            _ = try await store.reject(pending.id, reason: "no", by: actor, on: day)
                        }
                    case 6:
                        let deadline = try #require(try await store.person(ResidentID(person))).ledger.deadline
                        _ = try await store.extend(
                            person: person, until: max(day, deadline).adding(days: Int.random(in: 1...200, using: &random)),
                            reason: "abroad",
                            by: actor, on: day)
                    default:
                        _ = try await store.hold(
                            person: person, until: day.adding(days: Int.random(in: 1...200, using: &random)), reason: "inquiry", by: actor,
                            on: day)
                    }
                } catch is LedgerError {}
            }
            try await store.database.writer.read { db in
                // The history did make decisions (across the seeds every kind and status turns up).
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM decision") ?? 0 >= 3)
                // Four eyes: no approval by the operator who asked.
                #expect(
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM decision WHERE status = 'approved' AND decided_by = requested_by") == 0)
                // At most one open request of a kind per person, one hold in force.
                #expect(
                    try Int.fetchOne(
                        db,
                        sql:
                            "SELECT count(*) FROM (SELECT 1 FROM decision WHERE status IN ('pending', 'in_force') GROUP BY person_id, kind HAVING count(*) > 1)"
                    )
                        == 0)
                // Every decision's event names its actor; every reversal or reinstatement has its approved decision.
                #expect(
                    try Int.fetchOne(
                        db,
                        sql: """
                            SELECT count(*) FROM ledger_event WHERE actor IS NULL
                              AND kind IN ('resolved', 'requested', 'rejected', 'death_reversed', 'reinstated', 'extended', 'held', 'released')
                            """) == 0)
                for (event, kind) in [("death_reversed", "reverse_death"), ("reinstated", "reinstate")] {
                    let events = try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger_event WHERE kind = ?", arguments: [event]) ?? 0
                    let approved = try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM decision WHERE kind = ? AND status = 'approved'", arguments: [kind])
                    #expect(events == approved, "\(event)")
                }
                // Whoever stands deceased has no certification on evidence after the death unless it was voided.
                let standing = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT le.id, e.external_id, p.id AS person FROM ledger_event le JOIN evidence e ON e.id = le.evidence_id
                        JOIN person p ON p.id = le.person_id
                        WHERE p.status = 'deceased' AND le.kind IN ('certified', 'resumed') AND e.observed_day > p.death_day
                          AND le.id > (SELECT max(id) FROM ledger_event WHERE person_id = p.id AND kind = 'deceased')
                        """)
                #expect(standing.isEmpty, "\(standing)")
            }
        }
    }
}
