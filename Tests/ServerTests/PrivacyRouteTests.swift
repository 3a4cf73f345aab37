import Certification
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import TestSupport
import Testing

@testable import Storage

/// Issue 31's consent, erasure and subject access through the real service.
@Suite("Privacy over HTTP")
struct PrivacyRouteTests {
    static func deliver(_ fixture: ServiceFixture, _ line: String, on day: String) async throws {
        var report = ImportReport()
        let rows = LedgerStore.parseEvidence("source,external_id,resident_id,kind,observed_at\n" + line, report: &report)
        try await fixture.store.ledger.importEvidence(
            rows,
            delivery: EvidenceDelivery(
                by: "cli:clerk", sources: nil, scope: nil, classes: Set(LedgerRules.EvidenceClass.allCases), receivedOn: Day(day)!),
            into: &report)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    static func noon(_ day: Day) -> Date { ISO8601DateFormatter().date(from: "\(day)T12:00:00+08:00")! }

    @Test("a face whose owner's death became final is forgotten after the retention days: the same face under another ID enrolls")
    func deathFinalForgotten() async throws {
        try await ServiceFixture.with { fixture, client in
            try await EnrollmentRouteTests.addPersons(fixture)
            let op = fixture.key(.operator)
            func enroll(_ person: String, _ photo: String, consent: Bool = true) async throws -> TestResponse {
                let (type, body) = Call.multipart(photos: [try Fixtures.image(photo)])
                return try await client.execute(
                    uri: "/v1/persons/\(person)/enrollments\(consent ? "?consent_by=guardian&guardian=Wang%20Jun" : "")", method: .post,
                    headers: Call.headers(op, [.contentType: type]), body: body)
            }
            let refused = try await enroll(EnrollmentRouteTests.personC, "obama3.jpg")
            #expect(refused.status == .conflict && Call.errorCode(refused) == "duplicate_identity")
            try await Self.deliver(
                fixture, "civil_affairs,D-1,\(ServiceFixture.personA),civil_affairs_cremation_record,2025-07-01", on: "2025-07-01")
            let days = fixture.store.ledger.rules.data_retention.template_retention_days
            let early = try await fixture.store.ledger.prune(
                Retention(), now: Self.noon(Day("2025-07-01")!.adding(days: days - 1)), batch: 100)
            #expect(early.templates == 0)
            let pruned = try await fixture.store.ledger.prune(
                Retention(), now: Self.noon(Day("2025-07-01")!.adding(days: days)), batch: 100)
            #expect(pruned.templates == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template WHERE person_id = '\(ServiceFixture.personA)'") == 0)
            let enrolled = try await enroll(EnrollmentRouteTests.personC, "obama3.jpg")
            #expect(enrolled.status == .created, "\(String(buffer: enrolled.body))")
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM consent WHERE person_id = '\(EnrollmentRouteTests.personC)' AND given_by = 'guardian' AND guardian_name = 'Wang Jun' AND recorded_by LIKE 'operator A via fc_%'"
                ) == 2, "each enrollment records its consent, with the operator")
            let without = try await enroll(EnrollmentRouteTests.personD, "biden.jpg", consent: false)
            #expect(without.status == .unprocessableContent && Call.errorCode(without) == "consent_required")
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template WHERE person_id = '\(EnrollmentRouteTests.personD)'") == 0)
        }
    }

    @Test("withdrawal: only the person's unit; the template goes at once; a verification then says why; export for the unit and auditors")
    func withdrawalAndExport() async throws {
        try await ServiceFixture.with { fixture, client in
            let a = ServiceFixture.personA
            let uri = "/v1/persons/\(a)/consent/withdrawal"
            let elsewhere = try await client.execute(
                uri: uri, method: .post, headers: Call.headers(fixture.key(.operator, "B"), [.contentType: "application/json"]),
                body: Call.json(["reason": "asked"]))
            #expect(elsewhere.status == .notFound && Call.errorCode(elsewhere) == "person_not_found")
            let kiosk = try await client.execute(
                uri: uri, method: .post, headers: Call.headers(fixture.key(.kiosk), [.contentType: "application/json"]),
                body: Call.json(["reason": "asked"]))
            #expect(kiosk.status == .forbidden)
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template") == 1)
            let withdrawn = try await client.execute(
                uri: uri, method: .post, headers: Call.headers(fixture.key(.operator), [.contentType: "application/json"]),
                body: Call.json(["reason": "asked at the counter"]))
            #expect(withdrawn.status == .ok, "\(String(buffer: withdrawn.body))")
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template") == 0)
            #expect(try await fixture.count("SELECT COUNT(*) FROM template_erasure WHERE cause = 'consent_withdrawn'") == 1)
            let again = try await client.execute(
                uri: uri, method: .post, headers: Call.headers(fixture.key(.operator), [.contentType: "application/json"]),
                body: Call.json(["reason": "again"]))
            #expect(again.status == .conflict && Call.errorCode(again) == "no_consent")
            let (type, body) = Call.multipart(fields: ["person_id": a], photos: [try Fixtures.image("obama3.jpg")])
            let verified = try await client.execute(
                uri: "/v1/verifications", method: .post, headers: Call.headers(fixture.key(.kiosk), [.contentType: type]), body: body)
            #expect(
                verified.status == .conflict && Call.errorCode(verified) == "not_enrolled_consent_withdrawn",
                "\(String(buffer: verified.body))")

            let export = try await client.execute(
                uri: "/v1/persons/\(a)/export", method: .get, headers: Call.headers(fixture.key(.auditor)))
            #expect(export.status == .ok)
            let record = Call.body(export)
            let tables = try #require(record["tables"] as? [String: [[String: Any]]])
            #expect(tables["consent"]?.count == 1 && tables["template_erasure"]?.count == 1)
            #expect(!String(buffer: export.body).contains(ServiceFixture.personB))
            let other = try await client.execute(
                uri: "/v1/persons/\(a)/export", method: .get, headers: Call.headers(fixture.key(.operator, "B")))
            #expect(other.status == .notFound)
            let mobile = try await client.execute(uri: "/v1/persons/\(a)/export", method: .get, headers: Call.headers(fixture.key(.mobile)))
            #expect(mobile.status == .forbidden)
        }
    }
}
