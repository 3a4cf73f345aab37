import Foundation
import GRDB
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport
import Testing

/// The audit chain over HTTP: auditors verify it; a row edited behind the service is named.
@Suite("Audit chain over HTTP")
struct AuditRouteTests {
    @Test("an auditor verifies the chain and is told which row was edited behind the service; an operator cannot ask")
    func verify() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let auditor = fixture.key(.auditor)
            let clean = try await client.execute(uri: "/v1/audit/chain", method: .get, headers: Call.headers(auditor))
            #expect(clean.status == .ok && Call.body(clean)["valid"] as? Bool == true, "\(String(buffer: clean.body))")
            #expect((Call.body(clean)["head"] as? [String: Any])?["seq"] is Int)
            let refused = try await client.execute(uri: "/v1/audit/chain", method: .get, headers: Call.headers(fixture.key(.operator)))
            #expect(refused.status == .forbidden)

            let raw = try DatabaseQueue(path: fixture.configuration.database)
            let id = try await raw.write { db in
                try db.execute(sql: "DROP TRIGGER IF EXISTS audit_chain_ledger_event_insert")
                try db.execute(
                    sql: """
                        INSERT INTO ledger_event (person_id, kind, day, cause, recorded_at, actor)
                        VALUES (?, 'certified', '2026-01-02', 'made up', '2026-01-02T00:00:00Z', 'nobody')
                        """, arguments: [ServiceFixture.personA])
                return db.lastInsertedRowID
            }
            try raw.close()
            let tampered = try await client.execute(uri: "/v1/audit/chain", method: .get, headers: Call.headers(auditor))
            let finding = Call.body(tampered)["finding"] as? [String: Any]
            #expect(tampered.status == .ok && Call.body(tampered)["valid"] as? Bool == false)
            #expect(finding?["table"] as? String == "ledger_event" && finding?["key"] as? String == String(id))
            #expect(finding?["problem"] as? String == "row_unchained")
        }
    }

    @Test("a payroll run over HTTP is refused (409 chain_tampered) while the day's check of the chain found tampering")
    func payrollRefusedOnTampering() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let raw = try DatabaseQueue(path: fixture.configuration.database)
            try await raw.write { db in
                try db.execute(sql: "DROP TRIGGER IF EXISTS audit_chain_ledger_event_insert")
                try db.execute(
                    sql: """
                        INSERT INTO ledger_event (person_id, kind, day, cause, recorded_at, actor)
                        VALUES (?, 'certified', '2026-01-02', 'made up', '2026-01-02T00:00:00Z', 'nobody')
                        """, arguments: [ServiceFixture.personA])
            }
            try raw.close()
            let check = try await fixture.store.ledger.checkChainOfDay(Day(Date()), by: "sweep")
            #expect(check.finding?.problem == .rowUnchained)
            let city = try await fixture.store.keys.createKey(name: "city payroll", role: .operator, unit: "3702", holder: "payroll clerk")
                .text
            let run = try await client.execute(
                uri: "/v1/payroll/runs", method: .post, headers: Call.headers(city, [.contentType: "application/json"]),
                body: Call.json(["month": Month(Day(Date())).description]))
            #expect(run.status == .conflict && Call.errorCode(run) == "chain_tampered", "\(String(buffer: run.body))")
        }
    }
}
