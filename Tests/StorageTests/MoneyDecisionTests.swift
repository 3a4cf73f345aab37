import Foundation
import GRDB
import Ledger
import TestSupport
import Testing

@testable import Storage

/// Money changes are decisions (issue 29, part 4), through the real ledger on a database file: an
/// amount or level change is a four-eyes request with a reason and an effective month, payroll pays
/// each month at the amount in force for it, a name or birth date is corrected the same way, and a
/// death reversed after its recovery was closed `recovered` opens a refund case.
@Suite("Money decisions")
struct MoneyDecisionTests {
    typealias Fixture = LedgerStoreTests

    static func day(_ text: String) -> Day { Day(text)! }

    /// Lines of the run of `month` for `person`: "for_month kind amount".
    static func pay(_ store: LedgerStore, _ month: String, _ person: String) async throws -> [String] {
        _ = try await Fixture.pay(store, month, person)
        return try await store.payrollLines(month: Month(month)!).filter { $0.personID == person }.map {
            "\($0.forMonth) \($0.kind.rawValue) \(Yuan.text(fen: $0.amountFen))"
        }
    }

    @Test("an amount raised from August, approved while suspended: July's back pay at the old amount, August on at the new")
    func amountInForcePerMonth() async throws {
        try await MoneyTests.withLevelFive(enrolled: "2025-12-20") { store, id in
            for month in 1...6 { _ = try await Fixture.pay(store, String(format: "2026-%02d", month), id) }
            #expect(try await store.sweep(on: Self.day("2026-06-21")).changes["suspended"] == 1)
            #expect(try await Self.pay(store, "2026-07", id).isEmpty)

            // The refusals, each with its code.
            func refusal(
                amount: String? = "3500", level: String? = nil, month: String = "2026-08", reason: String = "pension review 2026"
            ) async -> LedgerError? {
                do {
                    _ = try await store.requestBenefitChange(
                        person: id, level: level, amount: amount, effectiveMonth: month, reason: reason, by: "op a via fc_opa",
                        on: Self.day("2026-07-10"))
                    return nil
                } catch let error as LedgerError { return error } catch { return LedgerError(.rulesInvalid, "\(error)") }
            }
            #expect(await refusal(reason: "  ")?.code == .invalidDecision)
            #expect(await refusal(month: "2026-13")?.message.contains("is not a YYYY-MM month") == true)
            #expect(await refusal(month: "August")?.code == .invalidDecision)
            #expect(await refusal(month: "2025-11")?.message.contains("before the person entered the ledger") == true)
            #expect(await refusal(month: "2027-08")?.message.contains("too far ahead") == true)
            let paid = await refusal(month: "2026-06")
            #expect(paid?.code == .personState && paid?.message.contains("already paid") == true, "\(String(describing: paid))")
            #expect(await refusal(amount: "1000000")?.code == .invalidAmount)
            #expect(await refusal(amount: "-1")?.code == .invalidAmount)
            #expect(await refusal(amount: nil, level: "99")?.code == .invalidBenefitLevel)
            #expect(await refusal(amount: "3200.50")?.message.contains("already has") == true)
            #expect(try await store.decisions(unit: "3702").isEmpty, "nothing refused was recorded")

            let asked = try await store.requestBenefitChange(
                person: id, level: nil, amount: "3500", effectiveMonth: "2026-08", reason: "pension review 2026", by: "op a via fc_opa",
                on: Self.day("2026-07-10"))
            #expect(asked.kind == .changeBenefit && asked.status == "pending")
            #expect(asked.change == Decision.Change(amountFen: 350_000, effectiveMonth: Month("2026-08")))
            #expect(await refusal()?.message.contains("already pending") == true)
            #expect(try await store.amountHistory(of: id).map(\.fen) == [320_050], "nothing changes before the approval")

            let same = await #expect(throws: LedgerError.self) {
                _ = try await store.approve(asked.id, reason: nil, by: "op a via fc_opa", on: Self.day("2026-07-11"))
            }
            #expect(same?.code == .sameOperator)
            let approved = try await store.approve(
                asked.id, reason: "checked the review", by: "op b via fc_opb", on: Self.day("2026-07-11"))
            #expect(approved.decision.status == "approved" && approved.decision.decidedBy == "op b via fc_opb")
            #expect(approved.changes["edited"] == 1)
            #expect(
                try await store.amountHistory(of: id)
                    == [.init(from: Month("2025-12")!, fen: 320_050), .init(from: Month("2026-08")!, fen: 350_000)])
            let view = try #require(try await store.person(ResidentID(id)))
            #expect(view.timeline.contains { $0.kind == "edited" && $0.detail.contains("amount 3200.50 to 3500.00 from 2026-08") })
            #expect(
                view.timeline.contains {
                    $0.kind == "edited" && $0.detail.contains("asked by op a via fc_opa") && $0.detail.contains("op b via fc_opb")
                })

            // Reinstated in August (four eyes too): September's run pays July at the old amount.
            let reinstate = try await store.request(
                .reinstate, person: id, reason: "discharge letter", by: "op a via fc_opa", on: Self.day("2026-08-20"))
            _ = try await store.approve(reinstate.id, reason: nil, by: "op b via fc_opb", on: Self.day("2026-08-21"))
            #expect(try await Self.pay(store, "2026-08", id) == ["2026-07 back_pay 3200.50", "2026-08 regular 3500.00"])
            #expect(try await Self.pay(store, "2026-09", id) == ["2026-09 regular 3500.00"])
            // August is paid now: a change from it is refused.
            #expect(await refusal(amount: "3600")?.code == .personState)
        }
    }

    @Test("a change approved after a run paid its month is refused at approval, and stays pending for a rejection")
    func paidSinceTheRequest() async throws {
        try await MoneyTests.withLevelFive(enrolled: "2026-01-05") { store, id in
            _ = try await Fixture.pay(store, "2026-01", id)
            let asked = try await store.requestBenefitChange(
                person: id, level: "3", amount: nil, effectiveMonth: "2026-02", reason: "level reassessed", by: "op a via fc_opa",
                on: Self.day("2026-01-20"))
            _ = try await Fixture.pay(store, "2026-02", id)
            let late = await #expect(throws: LedgerError.self) {
                _ = try await store.approve(asked.id, reason: nil, by: "op b via fc_opb", on: Self.day("2026-02-02"))
            }
            #expect(late?.code == .personState)
            let rejected = try await store.reject(
                asked.id, reason: "ask again from March", by: "op a via fc_opa", on: Self.day("2026-02-02"))
            #expect(rejected.status == "rejected")
            // A level change moves an active person's deadline by the new period (12 months for level 3).
            let again = try await store.requestBenefitChange(
                person: id, level: "3", amount: nil, effectiveMonth: "2026-03", reason: "level reassessed", by: "op a via fc_opa",
                on: Self.day("2026-02-03"))
            _ = try await store.approve(again.id, reason: nil, by: "op b via fc_opb", on: Self.day("2026-02-04"))
            let person = try #require(try await PersonStore(ledger: store).person(ResidentID(id)))
            #expect(
                person.benefitLevel == "3" && person.ledger.servicePeriodMonths == 12 && person.ledger.deadline == Self.day("2027-01-05"))
            #expect(try await Self.pay(store, "2026-03", id) == ["2026-03 regular 3200.50"], "a level change leaves the amount")
        }
    }

    @Test("a name or birth date is corrected by two operators; the deadline stays (the period is the level's)")
    func correction() async throws {
        try await MoneyTests.withLevelFive(enrolled: "2026-01-05") { store, id in
            let before = try #require(try await PersonStore(ledger: store).person(ResidentID(id)))
            func refusal(name: String? = nil, birth: String? = nil) async -> LedgerError? {
                do {
                    _ = try await store.requestCorrection(
                        person: id, name: name, birthDate: birth, reason: "hukou extract", by: "op a via fc_opa", on: Self.day("2026-02-01")
                    )
                    return nil
                } catch let error as LedgerError { return error } catch { return nil }
            }
            #expect(await refusal(name: "Sun Li", birth: "1945-01-01")?.code == .invalidDecision, "nothing to correct")
            #expect(await refusal(name: "  ")?.code == .invalidName)
            #expect(await refusal(birth: "2027-01-01")?.code == .invalidBirthDate)
            #expect(await refusal(birth: "1945-02-30")?.code == .invalidBirthDate)
            // The resident ID holds the birth date (1945-01-01): a date that contradicts it is refused,
            // with the same check as an import.
            let contradicted = await refusal(birth: "1944-11-30")
            #expect(contradicted?.code == .invalidBirthDate, "\(String(describing: contradicted))")
            #expect(contradicted?.message.contains("disagrees with the resident ID") == true)
            #expect(try await store.decisions(unit: "3702").isEmpty, "nothing refused was recorded")

            // A record entered wrong before birth dates were checked against the ID is corrected to the ID's date.
            try await store.database.writer.write { db in
                try db.execute(sql: "UPDATE person SET birth_date = '1945-01-10' WHERE id = ?", arguments: [id])
            }
            let asked = try await store.requestCorrection(
                person: id, name: "Sun Lili", birthDate: "1945-01-01", reason: "hukou extract shows 1945-01-01", by: "op a via fc_opa",
                on: Self.day("2026-02-01"))
            #expect(asked.kind == .correctPerson && asked.change?.birthDate == Self.day("1945-01-01"))
            let same = await #expect(throws: LedgerError.self) {
                _ = try await store.approve(asked.id, reason: nil, by: "op a via fc_opa", on: Self.day("2026-02-02"))
            }
            #expect(same?.code == .sameOperator)
            _ = try await store.approve(asked.id, reason: nil, by: "op b via fc_opb", on: Self.day("2026-02-02"))
            let after = try #require(try await PersonStore(ledger: store).person(ResidentID(id)))
            #expect(after.name == "Sun Lili" && after.birthDate == Self.day("1945-01-01"))
            #expect(
                after.ledger.deadline == before.ledger.deadline && after.ledger.servicePeriodMonths == before.ledger.servicePeriodMonths)
            let view = try #require(try await store.person(ResidentID(id)))
            #expect(view.timeline.contains { $0.kind == "edited" && $0.detail.contains("birth date 1945-01-10 to 1945-01-01") })
        }
    }

    @Test("the direct door refuses an amount, a level or a name; the same values and other fields pass")
    func directChangeRefused() async throws {
        try await MoneyTests.withLevelFive(enrolled: "2026-01-05") { store, id in
            let persons = PersonStore(ledger: store)
            for changes in [PersonChanges(monthlyAmount: "4000"), PersonChanges(benefitLevel: "3"), PersonChanges(name: "Someone Else")] {
                let refused = await #expect(throws: LedgerError.self) {
                    _ = try await persons.updatePerson(ResidentID(id), changes, scope: "", by: "op a via fc_opa")
                }
                #expect(refused?.code == .needsDecision)
            }
            let same = try await persons.updatePerson(
                ResidentID(id), PersonChanges(name: "Sun Li", monthlyAmount: "3200.5", phone: .some("13900000000")), scope: "",
                by: "op a via fc_opa")
            #expect(same.monthlyAmountFen == 320_050 && same.phone == "13900000000")
        }
    }

    @Test("a death reversed after its recovery was closed recovered opens a refund case for what was claimed")
    func refund() async throws {
        try await MoneyTests.withLevelFive(enrolled: "2025-12-20") { store, id in
            for month in 1...3 { _ = try await Fixture.pay(store, String(format: "2026-%02d", month), id) }
            _ = try await MoneyTests.deliver(store, ["health_commission,D-1,\(id),hospital_death_certificate,2026-01-15"], on: "2026-03-10")
            let claimed = try #require(try await store.recoveries(unit: "3702").first)
            #expect(claimed.months.map(\.description) == ["2026-02", "2026-03"] && claimed.amountFen == 640_100)
            _ = try await store.closeRecovery(
                claimed.id, as: .recovered, reason: "family paid back", by: "op a via fc_opa", on: Self.day("2026-03-20"))
            #expect(try await store.refunds(unit: "3702").isEmpty)

            let asked = try await store.request(
                .reverseDeath, person: id, reason: "the certificate was another patient's", by: "op a via fc_opa",
                on: Self.day("2026-04-02"))
            _ = try await store.approve(asked.id, reason: nil, by: "op b via fc_opb", on: Self.day("2026-04-03"))
            let refunds = try await store.refunds(unit: "3702")
            try #require(refunds.count == 1)
            #expect(refunds[0].recoveryID == claimed.id && refunds[0].amountFen == 640_100 && refunds[0].status == .open)
            #expect(refunds[0].openedBy == "op b via fc_opb" && refunds[0].cause.contains("2026-02 2026-03"))
            #expect(try await store.recovery(claimed.id)?.status == .recovered, "the recovered case stays as it was")
        }
    }

    @Test("the migration keeps the decisions and their indexes; an amount history is written with a person's first change")
    func migration() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let queue = try DatabaseQueue(
                path: folder.appending(path: "old.sqlite").path, configuration: AppDatabase.makeConfiguration())
            try AppDatabase.migrator.migrate(queue, upTo: "v19-coordination")
            let id = Fixture.wang
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO unit (code, name, level, path) VALUES ('370202001001', 'Taiping', 'community', '/x/')")
                try db.execute(
                    sql: """
                        INSERT INTO person (id, name, birth_date, unit_code, benefit_level, monthly_amount_fen, status, service_period_months,
                          enrolled_on, deadline) VALUES (?, 'Wang', '1940-03-15', '370202001001', '3', 320050, 'suspended', 12, '2025-06-01', '2026-06-01')
                        """, arguments: [id])
                try db.execute(
                    sql: """
                        INSERT INTO decision (person_id, kind, reason, status, requested_by, requested_on)
                        VALUES (?, 'reinstate', 'discharge letter', 'pending', 'op_a', '2026-06-05')
                        """, arguments: [id])
            }
            try AppDatabase.migrator.migrate(queue)
            try await queue.read { db in
                #expect(try String.fetchOne(db, sql: "SELECT reason FROM decision WHERE kind = 'reinstate'") == "discharge letter")
                let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'decision'")
                #expect(Set(indexes).isSuperset(of: ["decision_open", "decision_conflict", "decision_status"]))
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM benefit_amount") == 0, "written with a first change")
            }
            // The open-request index still holds: a second pending reinstatement is a constraint error.
            await #expect(throws: (any Error).self) {
                try await queue.write { db in
                    try db.execute(
                        sql:
                            "INSERT INTO decision (person_id, kind, reason, status, requested_by, requested_on) VALUES (?, 'reinstate', 'x', 'pending', 'op_b', '2026-06-06')",
                        arguments: [id])
                }
            }
        }
    }
}
