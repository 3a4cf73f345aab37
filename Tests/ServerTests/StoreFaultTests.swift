import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Logging
import Storage
import Testing

@testable import Server

/// What a caller is told when the store fails: 503 only when a retry may help (busy, locked, I/O);
/// a broken constraint or a broken database is a fault (500), logged, its detail never sent.
@Suite("Store faults")
struct StoreFaultTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    /// Runs SQL on the service's database file through a connection of its own.
    static func execute(_ fixture: ServiceFixture, _ sql: String) throws {
        try DatabaseQueue(path: fixture.configuration.database).write { try $0.execute(sql: sql) }
    }

    /// The answer carries a request id and none of the SQL.
    static func expectFault(_ response: TestResponse, code: String) {
        #expect(response.status == .internalServerError, "\(String(buffer: response.body))")
        #expect(Call.errorCode(response) == code)
        #expect(response.headers[.retryAfter] == nil)
        let text = String(buffer: response.body)
        #expect(text.contains("request_id"))
        for secret in ["SQL", "UNIQUE", "constraint failed", "no such table", "payroll_run", "test_one_name"] {
            #expect(!text.contains(secret), "\(secret) leaked: \(text)")
        }
    }

    @Test("a write that breaks a constraint the store does not check first is 500 constraint_violated, not 503 retry")
    func brokenConstraintIsAFault() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            // A rule of the schema the store does not check first stands for a check it is missing:
            // no two persons of one phone (a name is no longer changed by PATCH: a decision).
            try Self.execute(fixture, "CREATE UNIQUE INDEX test_one_phone ON person(phone)")
            let renamed = try await client.execute(
                uri: "/v1/persons/\(ServiceFixture.personB)", method: .patch,
                headers: Call.headers(fixture.key(.operator, "B"), Self.json), body: Call.json(["phone": "13800000000"]))
            Self.expectFault(renamed, code: "constraint_violated")
            // Nothing was written: the transaction rolled back.
            #expect(try await fixture.count("SELECT COUNT(*) FROM person WHERE phone = '13800000000'") == 1)
        }
    }

    @Test("a statement SQLite refuses (a table gone from the file) is 500 database_fault, not 503 retry")
    func brokenDatabaseIsAFault() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            try Self.execute(fixture, "DROP TABLE payroll_run")
            let runs = try await client.execute(uri: "/v1/payroll/runs", method: .get, headers: Call.headers(fixture.key(.auditor)))
            Self.expectFault(runs, code: "database_fault")
        }
    }

    @Test("a death recorded after months paid 0 yuan opens no recovery case (it broke recovery's CHECK amount > 0: a 503)")
    func deathAfterZeroPay() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let city = try await fixture.store.keys.createKey(name: "city payroll", role: .operator, unit: "3702", holder: "payroll clerk")
                .text
            let month = Month(Day(Date())).description
            // The amount set to 0 from this month: a four-eyes decision (issue 29), approved by a second key.
            let second = try await fixture.store.keys.createKey(
                name: "city payroll 2", role: .operator, unit: "3702", holder: "second clerk"
            ).text
            let zero = try await client.execute(
                uri: "/v1/decisions", method: .post, headers: Call.headers(city, Self.json),
                body: Call.json([
                    "kind": "change_benefit", "resident_id": ServiceFixture.personA, "amount": "0", "effective_month": month,
                    "reason": "benefit suspended by the bureau",
                ]))
            #expect(zero.status == .created, "\(String(buffer: zero.body))")
            let request = try #require(((Call.body(zero)["decisions"] as? [[String: Any]])?.first?["id"]) as? Int)
            let approved = try await client.execute(
                uri: "/v1/decisions/\(request)/approval", method: .post, headers: Call.headers(second, Self.json), body: Call.json([:]))
            #expect(approved.status == .ok, "\(String(buffer: approved.body))")
            let run = try await client.execute(
                uri: "/v1/payroll/runs", method: .post, headers: Call.headers(city, Self.json), body: Call.json(["month": month]))
            #expect(run.status == .created, "\(String(buffer: run.body))")
            let fed = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: Call.headers(fixture.key(.feed), Self.json),
                body: Call.json([
                    "rows": [
                        [
                            "source": "civil_affairs", "external_id": "CR-0", "resident_id": ServiceFixture.personA,
                            "kind": "civil_affairs_cremation_record", "observed_at": Day(Date()).adding(months: -1).description,
                        ]
                    ]
                ]))
            #expect(fed.status == .ok, "\(String(buffer: fed.body))")
            #expect(Call.body(fed)["imported"] as? Int == 1)
            let cases = try await client.execute(uri: "/v1/recoveries", method: .get, headers: Call.headers(city))
            #expect((Call.body(cases)["recoveries"] as? [Any])?.isEmpty == true)
        }
    }
}
