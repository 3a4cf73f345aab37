import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import Testing

/// Lists page one way (Routes/Paging.swift): a page points to the next only when there is one,
/// and a CSV download is read page by page yet whole.
@Suite("Paging")
struct PagingTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    /// Runs the current month's payroll with a city key, returning the key.
    static func runPayroll(_ fixture: ServiceFixture, _ client: any TestClientProtocol) async throws -> String {
        let city = try await fixture.store.keys.createKey(name: "city payroll", role: .operator, unit: "3702", holder: "payroll clerk").text
        let run = try await client.execute(
            uri: "/v1/payroll/runs", method: .post, headers: Call.headers(city, json),
            body: Call.json(["month": Month(Day(Date())).description]))
        #expect(run.status == .created, "\(String(buffer: run.body))")
        return city
    }

    @Test("payroll pages by after: a full last page has no next")
    func payrollPages() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let city = try await Self.runPayroll(fixture, client)
            let month = Month(Day(Date())).description
            let first = Call.body(
                try await client.execute(uri: "/v1/payroll?month=\(month)&limit=1", method: .get, headers: Call.headers(city)))
            let firstLines = try #require(first["lines"] as? [[String: Any]])
            let next = try #require(first["next"] as? Int)
            #expect(firstLines.count == 1 && firstLines[0]["id"] as? Int == next)
            let second = Call.body(
                try await client.execute(uri: "/v1/payroll?month=\(month)&limit=1&after=\(next)", method: .get, headers: Call.headers(city))
            )
            let secondLines = try #require(second["lines"] as? [[String: Any]])
            #expect(secondLines.count == 1 && (secondLines[0]["id"] as? Int ?? 0) > next)
            #expect(second["next"] == nil, "the last page, full, pointed to an empty one: \(second)")
            // District A has one line: a page of one is the whole list.
            let district = Call.body(
                try await client.execute(
                    uri: "/v1/payroll?month=\(month)&limit=1", method: .get, headers: Call.headers(fixture.key(.auditor))))
            #expect((district["lines"] as? [Any])?.count == 1 && district["next"] == nil)
            let bad = try await client.execute(uri: "/v1/payroll?month=\(month)&after=-1", method: .get, headers: Call.headers(city))
            #expect(bad.status == .unprocessableContent && Call.errorCode(bad) == "invalid_query")
        }
    }

    @Test("enrollments page by resident ID: a full last page has no next_after")
    func enrollmentPages() async throws {
        try await ServiceFixture.with { fixture, client in
            let page = try await client.execute(uri: "/v1/enrollments?limit=1", method: .get, headers: Call.headers(fixture.key(.auditor)))
            let body = Call.body(page)
            #expect((body["enrollments"] as? [Any])?.count == 1)
            #expect(body["next_after"] == nil, "\(body)")
        }
    }

    @Test("alerts and tasks keep offset and limit; next_offset only while there is more")
    func offsetPages() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let bad = try await client.execute(uri: "/v1/tasks?offset=-1", method: .get, headers: Call.headers(fixture.key(.operator)))
            #expect(bad.status == .unprocessableContent && Call.errorCode(bad) == "invalid_query")
            let tooMany = try await client.execute(
                uri: "/v1/alerts?limit=10001", method: .get, headers: Call.headers(fixture.key(.operator)))
            #expect(tooMany.status == .unprocessableContent && Call.errorCode(tooMany) == "invalid_query")
            let alerts = Call.body(
                try await client.execute(uri: "/v1/alerts?limit=5", method: .get, headers: Call.headers(fixture.key(.operator))))
            #expect(alerts["alerts"] is [Any] && alerts["next_offset"] == nil)
        }
    }

    @Test("a payroll CSV of several pages arrives whole, in line order, each line once; recoveries' CSV too")
    func csvAcrossPages() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            // 4,500 more persons in district A: more than two pages of the download (2,000 rows).
            var csv = "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile\n"
            for n in 0..<4500 {
                let day = 1 + n / 1000
                let id = try #require(ResidentID.completing(String(format: "370202195001%02d%03d", day, n % 1000)))
                csv += "\(id.value),Person \(n),1950-01-\(String(format: "%02d", day)),370202001001,2,1000,,,0,0\n"
            }
            let imported = try await fixture.store.ledger.importPersons(csv: csv, today: Day("2025-06-01")!)
            #expect(imported.imported == 4500, "\(imported.problems.prefix(3))")
            let city = try await Self.runPayroll(fixture, client)
            let month = Month(Day(Date())).description
            let download = try await client.execute(uri: "/v1/payroll?month=\(month)&format=csv", method: .get, headers: Call.headers(city))
            #expect(download.status == .ok && download.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = String(buffer: download.body).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first == "line,run_month,resident_id,name,unit_code,for_month,kind,amount,reason")
            #expect(lines.last == "", "the file ends with a newline")
            let ids = lines.dropFirst().dropLast().compactMap { Int64($0.prefix { $0 != "," }) }
            #expect(ids.count == 4502 && ids == ids.sorted() && Set(ids).count == ids.count)
            let unknown = try await client.execute(uri: "/v1/payroll?month=2020-01&format=csv", method: .get, headers: Call.headers(city))
            #expect(unknown.status == .notFound && Call.errorCode(unknown) == "unknown_payroll_run")
            let recoveries = try await client.execute(uri: "/v1/recoveries?format=csv", method: .get, headers: Call.headers(city))
            #expect(recoveries.status == .ok && String(buffer: recoveries.body).hasPrefix("id,resident_id,name,unit_code,death_day"))
        }
    }
}
