import Foundation
import GRDB
import Ledger
import Testing

@testable import Storage

/// Issue 31's data kept no longer than needed, and back pay without waiting a month, through the
/// real ledger on a database file.
@Suite("Privacy and supplementary payroll")
struct PrivacyTests {
    typealias Fixture = LedgerStoreTests

    static let operatorA = "op a via fc_opa"

    // MARK: Supplementary runs

    @Test("a supplementary run pays a resumed person's missed months once; a second pays nothing; the next monthly run pays only its month")
    func supplementaryPaysOnce() async throws {
        try await MoneyTests.withLevelFive(enrolled: "2025-01-01") { store, id in
            for month in 1...7 { _ = try await Fixture.pay(store, String(format: "2025-%02d", month), id) }
            #expect(try await store.sweep(on: Day("2025-07-02")!).changes["suspended"] == 1)
            #expect(try await Fixture.pay(store, "2025-08", id).isEmpty)
            #expect(try await Fixture.pay(store, "2025-09", id).isEmpty)
            // Suspended: a supplementary run pays them nothing.
            let none = try await store.runSupplementaryPayroll(on: Day("2025-09-10")!, by: Self.operatorA)
            #expect(none.lines == 0 && none.persons == 0)
            #expect(try await store.backPayMonths(of: ResidentID(id)).isEmpty)
            _ = try await MoneyTests.deliver(
                store, ["social_security_bureau,S-1,\(id),bureau_counter_confirmation,2025-09-20"], on: "2025-09-20")
            // What the resumption receipt names is what the supplementary run then pays.
            let owed = try await store.backPayMonths(of: ResidentID(id))
            #expect(owed.map(\.description) == ["2025-08", "2025-09"])
            // Overdue back pay is an alert until it is paid.
            let alerts = try await store.alerts(unit: "3702", kind: .backPay)
            #expect(alerts.map(\.personID) == [id] && alerts.first?.day == Day("2025-09-20"))
            // Three days after the resumption it is late, and the line says so first (the service's day).
            let late = ServiceClock.today() > Day("2025-09-23")!
            #expect(alerts.first?.detail.hasPrefix("OVERDUE since 2025-09-23") == late, "\(alerts)")
            let first = try await store.runSupplementaryPayroll(on: Day("2025-09-21")!, by: Self.operatorA)
            #expect(first.runMonth == Month("2025-09") && first.lines == 2 && first.persons == 1 && first.totalFen == 2 * 320_050)
            let lines = try await store.supplementLines(first.id)
            #expect(lines.map { "\($0.forMonth) \($0.kind.rawValue)" } == ["2025-08 back_pay", "2025-09 back_pay"])
            #expect(lines.map(\.forMonth) == owed)
            #expect(try await store.alerts(unit: "3702", kind: .backPay).isEmpty)
            // The monthly run's own lines stay its own.
            #expect(try await store.payrollLines(month: Month("2025-09")!).allSatisfy { $0.personID != id })
            let second = try await store.runSupplementaryPayroll(on: Day("2025-09-22")!, by: Self.operatorA)
            #expect(second.lines == 0 && second.id == first.id + 1)
            #expect(try await Fixture.pay(store, "2025-10", id) == ["2025-10 regular"])
            let paid = try await store.payments(of: id)
            #expect(paid.map(\.forMonth.description) == (1...10).map { String(format: "2025-%02d", $0) }, "each month once")
            #expect(
                try await store.payrollSupplements().map(\.id) == [second.id, first.id, none.id], "every run is stored, an empty one too")
            // The chain covers the supplement and its lines.
            #expect(try await store.verifyChain().finding == nil)
        }
    }

    @Test("a supplementary run needs a named operator and a monthly run before it; it never pays the dead")
    func supplementaryRefusals() async throws {
        try await MoneyTests.withLevelFive(enrolled: "2025-01-01") { store, id in
            await #expect {
                _ = try await store.runSupplementaryPayroll(on: Day("2025-01-02")!, by: Self.operatorA)
            } throws: { ($0 as? LedgerError)?.code == .unknownPayrollRun }
            _ = try await Fixture.pay(store, "2025-01", id)
            await #expect {
                _ = try await store.runSupplementaryPayroll(on: Day("2025-01-02")!, by: "system:root")
            } throws: { ($0 as? LedgerError)?.code == .namedOperatorRequired }
            _ = try await store.sweep(on: Day("2025-07-02")!)
            _ = try await MoneyTests.deliver(
                store, ["civil_affairs,D-1,\(id),civil_affairs_cremation_record,2025-07-10"], on: "2025-07-12")
            #expect(try await store.runSupplementaryPayroll(on: Day("2025-07-13")!, by: Self.operatorA).lines == 0)
            #expect(try await store.alerts(unit: "3702", kind: .backPay).isEmpty)
        }
    }

    // MARK: Consent and templates

    static func withTemplates(_ body: (LedgerStore, TemplateStore) async throws -> Void) async throws {
        try await Fixture.withLedger { ledger in
            let templates = TemplateStore(ledger: ledger, vault: TemplateVault(key: .init(size: .bits256)))
            for id in [Fixture.wang, Fixture.li] {
                try await templates.saveTemplate([[Float](repeating: 0.1, count: 8)], for: ResidentID(id), by: "fc_op")
            }
            try await body(ledger, templates)
        }
    }

    @Test("consent is recorded; its withdrawal deletes the template at once, recorded, within the operator's unit only")
    func withdrawal() async throws {
        try await Self.withTemplates { ledger, templates in
            let wang = try ResidentID(Fixture.wang)
            let consent = try await ledger.recordConsent(
                ConsentInput.parse(by: "guardian", guardian: "Wang Jun", purpose: nil), person: wang, on: Day("2026-06-01")!,
                by: Self.operatorA, scope: nil)
            #expect(consent.givenBy == .guardian && consent.guardianName == "Wang Jun" && consent.purpose == ConsentInput.proofOfLife)
            #expect(throws: LedgerError.self) { _ = try ConsentInput.parse(by: nil, guardian: nil, purpose: nil) }
            #expect(throws: LedgerError.self) { _ = try ConsentInput.parse(by: "guardian", guardian: " ", purpose: nil) }
            let before = try await templates.lastEnrollmentEvent()
            // Another unit's operator: the person is not there.
            await #expect {
                _ = try await ledger.withdrawConsent(
                    person: wang, reason: "asked", on: Day("2026-06-02")!, by: Self.operatorA, scope: "/3702/370203/")
            } throws: { ($0 as? LedgerError)?.code == .personNotFound }
            #expect(try await templates.template(for: wang) != nil)
            #expect(
                try await ledger.withdrawConsent(
                    person: wang, reason: "asked in person", on: Day("2026-06-02")!, by: Self.operatorA, scope: nil))
            #expect(try await templates.template(for: wang) == nil)
            #expect(try await templates.template(for: ResidentID(Fixture.li)) != nil, "nobody else's")
            let consents = try await ledger.consents(of: wang)
            #expect(consents.count == 1 && consents[0].withdrawnOn == Day("2026-06-02") && consents[0].withdrawnBy == Self.operatorA)
            // The duplicate index follows the enrollment events: the person's face is taken out.
            #expect(try await templates.enrollmentChanges(after: before).persons == [wang])
            #expect(try await ledger.database.count("SELECT COUNT(*) FROM template_erasure WHERE cause = 'consent_withdrawn'") == 1)
            await #expect {
                _ = try await ledger.withdrawConsent(person: wang, reason: "again", on: Day("2026-06-03")!, by: Self.operatorA, scope: nil)
            } throws: { ($0 as? LedgerError)?.code == .noConsent }
        }
    }

    @Test("templates of a person whose death became final are deleted after template_retention_days; an open appeal or conflict keeps them")
    func deathFinal() async throws {
        try await Self.withTemplates { ledger, templates in
            let wang = try ResidentID(Fixture.wang), li = try ResidentID(Fixture.li)
            _ = try await MoneyTests.deliver(
                ledger, ["civil_affairs,D-1,\(wang.value),civil_affairs_cremation_record,2026-06-10"], on: "2026-06-10")
            _ = try await MoneyTests.deliver(
                ledger, ["civil_affairs,D-2,\(li.value),civil_affairs_cremation_record,2026-06-10"], on: "2026-06-10")
            // Li's family appealed the death record: kept while the appeal is open.
            try await ledger.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO appeal (person_id, unit_code, subject, filed_by_role, filed_by, grounds, filed_on, due_on)
                        VALUES (?, '370202001001', 'death', 'relative', 'Li Na', 'he is alive', '2026-06-12', '2026-06-19')
                        """, arguments: [li.value])
            }
            // A withdrawal of consent cannot delete the face of the dead, nor of anyone with an open case
            // (a review: one operator deleted the face an appeal against the death compared against).
            for person in [wang, li] {
                await #expect {
                    _ = try await ledger.withdrawConsent(
                        person: person, reason: "family asked", on: Day("2026-06-13")!, by: Self.operatorA, scope: nil)
                } throws: { ($0 as? LedgerError)?.code == .personState }
            }
            #expect(try await templates.template(for: li) != nil)
            #expect(try await templates.template(for: wang) != nil)
            let days = ledger.rules.data_retention.template_retention_days
            let before = try await templates.lastEnrollmentEvent()
            #expect(
                try await ledger.eraseTemplatesOfFinalDeaths(on: Day("2026-06-10")!.adding(days: days - 1), by: "retention", batch: 1)
                    .isEmpty)
            #expect(try await templates.template(for: wang) != nil)
            let now = Day("2026-06-10")!.adding(days: days)
            let report = try await ledger.prune(Retention(), now: Self.noon(now), batch: 1)
            #expect(report.templates == 1)
            #expect(try await templates.template(for: wang) == nil)
            #expect(try await templates.template(for: li) != nil, "an open appeal keeps the face")
            #expect(try await templates.enrollmentChanges(after: before).persons == [wang])
            // The appeal rejected: the death is final from that day.
            try await ledger.write { db in
                try db.execute(
                    sql: "UPDATE appeal SET status = 'rejected', resolved_on = ?, resolved_by = ?",
                    arguments: [now.description, Self.operatorA])
            }
            #expect(try await ledger.eraseTemplatesOfFinalDeaths(on: now.adding(days: days - 1), by: "retention", batch: 10).isEmpty)
            #expect(try await ledger.eraseTemplatesOfFinalDeaths(on: now.adding(days: days), by: "retention", batch: 10) == [li])
            #expect(try await ledger.verifyChain().finding == nil)
        }
    }

    @Test("an unresolved conflict after a death keeps the face: the death is not final")
    func conflictKeeps() async throws {
        try await Self.withTemplates { ledger, templates in
            let wang = try ResidentID(Fixture.wang)
            _ = try await MoneyTests.deliver(
                ledger, ["civil_affairs,D-1,\(wang.value),civil_affairs_cremation_record,2026-06-10"], on: "2026-06-10")
            _ = try await MoneyTests.deliver(
                ledger, ["social_security_bureau,S-9,\(wang.value),bureau_counter_confirmation,2026-06-20"], on: "2026-06-20")
            #expect(try await ledger.database.count("SELECT COUNT(*) FROM ledger_event WHERE kind = 'conflict'") == 1)
            #expect(try await ledger.eraseTemplatesOfFinalDeaths(on: Day("2027-06-10")!, by: "retention", batch: 10).isEmpty)
            #expect(try await templates.template(for: wang) != nil)
        }
    }

    static func noon(_ day: Day) -> Date {
        ISO8601DateFormatter().date(from: "\(day)T12:00:00+08:00")!
    }

    // MARK: Retention of what is kept for good

    @Test("prune clears old payloads, attempts' devices and delivered notices' texts, keeps every row, and the chain verifies")
    func pruneRedacts() async throws {
        try await Fixture.withLedger { ledger in
            _ = try await MoneyTests.deliver(
                ledger, ["social_security_bureau,S-1,\(Fixture.wang),bureau_counter_confirmation,2024-01-10"], on: "2024-01-10")
            try await ledger.write { db in
                try db.execute(sql: "UPDATE evidence SET payload = '{\"clerk\":\"Zhao\"}', received_at = '2024-01-10T08:00:00Z'")
                try db.execute(
                    sql: """
                        INSERT INTO verification_attempt (person_id, key_id, decision, at, device) VALUES
                          (?, 'fc_k', 'verified', '2024-01-10T08:00:00Z', 'phone-123'), (?, 'fc_k', 'verified', ?, 'phone-456')
                        """, arguments: [Fixture.wang, Fixture.wang, Date().formatted(.iso8601)])
                try db.execute(
                    sql: """
                        INSERT INTO outbox (person_id, kind, notice_key, channel, recipient, message, created_on, state) VALUES
                          (?, 'reminder', 'a', 'sms', '13800000001', 'text', '2024-01-10', 'delivered'),
                          (?, 'reminder', 'b', 'sms', '13800000001', 'text', '2024-01-10', 'pending')
                        """, arguments: [Fixture.wang, Fixture.wang])
            }
            let counts = try await ledger.database.writer.read { db in
                try ["evidence", "verification_attempt", "outbox", "ledger_event"].map {
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)")
                }
            }
            let report = try await ledger.prune(Retention(), now: Date(), batch: 1)
            #expect(report.payloads == 1 && report.attempts == 1 && report.notices == 1)
            try await ledger.database.writer.read { db in
                #expect(try String.fetchOne(db, sql: "SELECT payload FROM evidence") == nil)
                #expect(
                    try String.fetchAll(db, sql: "SELECT coalesce(device, '-') FROM verification_attempt ORDER BY id") == [
                        "-", "phone-456",
                    ])
                #expect(
                    try String.fetchAll(db, sql: "SELECT message FROM outbox ORDER BY id") == ["", "text"], "a pending notice is kept whole"
                )
                let after = try ["evidence", "verification_attempt", "outbox", "ledger_event"].map {
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)")
                }
                #expect(after == counts, "no row deleted")
            }
            // Delivered again after its payload was cleared: present, not a conflict.
            let again = try await MoneyTests.deliver(
                ledger, ["social_security_bureau,S-1,\(Fixture.wang),bureau_counter_confirmation,2024-01-10"], on: "2026-01-10")
            #expect(again.alreadyPresent == 1 && again.problems.isEmpty)
            #expect(try await ledger.verifyChain().finding == nil)
            #expect(try await ledger.prune(Retention(), now: Date(), batch: 5).payloads == 0, "nothing left to clear")
        }
    }

    @Test("what a prune changes is never a table of the audit chain")
    func pruneNeverTouchesTheChain() {
        let chained = Set(AuditChain.tables.map(\.name))
        for table in [
            "evidence", "verification_attempt", "outbox", "face_template", "enrollment_photo", "liveness_session", "liveness_frame",
            "liveness_frame_content", "idempotent_response", "request_nonce", "consent", "template_erasure", "enrollment_event",
        ] {
            #expect(!chained.contains(table), "\(table) is chained: a prune would break audit verify")
        }
    }

    // MARK: Subject access

    @Test("the export holds every person table's rows for the person and nobody else's, never templates")
    func export() async throws {
        try await Self.withTemplates { ledger, templates in
            let wang = try ResidentID(Fixture.wang), li = try ResidentID(Fixture.li)
            // Rows for both persons in as many tables as the ledger's own paths fill.
            for id in [wang, li] {
                _ = try await ledger.recordConsent(
                    ConsentInput(givenBy: .person, guardianName: nil, purpose: "proof of life"), person: id, on: Day("2026-06-01")!,
                    by: Self.operatorA, scope: nil)
                _ = try await MoneyTests.deliver(
                    ledger, ["social_security_bureau,S-\(id.value),\(id.value),bureau_counter_confirmation,2026-06-01"], on: "2026-06-01")
            }
            _ = try await ledger.runPayroll(month: Month("2026-06")!, on: Day("2026-06-01")!, by: "cli:payroll")
            _ = try await ledger.sweep(on: Day("2026-06-02")!)
            // A duplicate-identity case on Li's record naming Wang: Wang's ID must not show in Li's export.
            try await ledger.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO enrollment_event (person_id, action, photos, actor, at, detail) VALUES (?, 'duplicate_refused', 0, 'fc_op', 'now', ?)",
                    arguments: [li.value, "{\"resident_id\":\"\(wang.value)\"}"])
            }
            let data = try await ledger.export(person: li, scope: nil)
            let text = String(decoding: data, as: UTF8.self)
            #expect(!text.contains(wang.value), "another person's ID")
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let tables = try #require(json["tables"] as? [String: [[String: Any]]])
            let withheld = try #require(json["withheld"] as? [String: String])
            let schema = try await ledger.database.writer.read { db in try LedgerStore.personTables(db) }
            #expect(schema.contains("consent") && schema.contains("appeal") && schema.contains("outbox") && schema.contains("evidence"))
            for table in schema {
                #expect(tables[table] != nil || withheld[table] != nil, "\(table) left out of the export")
                for row in tables[table] ?? [] { #expect(row["person_id"] as? String == li.value, "\(table): another person's row") }
            }
            #expect(tables["face_template"] == nil && withheld["face_template"] != nil && json["enrolled"] as? Bool == true)
            #expect(try #require(tables["consent"]).count == 1)
            #expect(try #require(tables["evidence"]).count == 1)
            #expect(try #require(tables["payroll_line"]).count == 1)
            #expect(!text.contains("sealed"))
            // Outside the operator's unit: no such person.
            await #expect {
                _ = try await ledger.export(person: li, scope: "/3702/370203/")
            } throws: { ($0 as? LedgerError)?.code == .personNotFound }
            _ = templates
        }
    }
}
