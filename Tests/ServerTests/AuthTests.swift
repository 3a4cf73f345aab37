import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport
import Testing

/// Who may call what: every route against every role, in and out of the caller's unit.
@Suite("Keys, roles and unit scope")
struct AuthTests {
    /// A request to `route` that its allowed roles can make for person A (district A).
    static func sample(_ route: APIRoute) throws -> (uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) {
        let a = ServiceFixture.personA
        switch route.path {
        case "/v1/persons":
            let id = ResidentID.completing("37020219500101077")!.value
            return (
                route.path, route.method, [.contentType: "application/json"],
                Call.json([
                    "resident_id": id, "name": "New Person", "birth_date": "1950-01-01", "unit_code": "370202001001", "benefit_level": "2",
                    "monthly_amount": "2500",
                ])
            )
        case "/v1/persons/{id}" where route.method == .patch:
            return ("/v1/persons/\(a)", .patch, [.contentType: "application/json"], Call.json(["phone": "13700000000"]))
        case "/v1/persons/{id}": return ("/v1/persons/\(a)", .get, [:], nil)
        case "/v1/persons/{id}/ledger": return ("/v1/persons/\(a)/ledger", .get, [:], nil)
        case "/v1/persons/{id}/enrollments" where route.method == .get: return ("/v1/persons/\(a)/enrollments", .get, [:], nil)
        case "/v1/persons/{id}/enrollments" where route.method == .delete:
            return ("/v1/persons/\(a)/enrollments?reason=test", .delete, [:], nil)
        case "/v1/persons/{id}/enrollments":
            let (type, body) = Call.multipart(photos: [try Fixtures.image("obama.jpg")])
            return ("/v1/persons/\(a)/enrollments?consent_by=person", .post, [.contentType: type], body)
        case "/v1/persons/{id}/consent/withdrawal":
            return ("/v1/persons/\(a)/consent/withdrawal", .post, [.contentType: "application/json"], Call.json(["reason": "test"]))
        case "/v1/persons/{id}/export": return ("/v1/persons/\(a)/export", .get, [:], nil)
        case "/v1/liveness/sessions":
            return (route.path, .post, [.contentType: "application/json"], Call.json(["person_id": a]))
        case "/v1/verifications":
            let (type, body) = Call.multipart(fields: ["person_id": a], photos: [try Fixtures.image("obama3.jpg")])
            return (route.path, .post, [.contentType: type], body)
        case "/v1/sightings":
            let (type, body) = Call.multipart(
                fields: ["person_id": a, "capture_id": "AUTH-1", "captured_at": SightingTests.capturedAt()],
                photos: [try Fixtures.image("obama3.jpg")], photoName: "still")
            return (route.path, .post, [.contentType: type], body)
        case "/v1/evidence":
            return (
                route.path, .post, [.contentType: "application/json"],
                Call.json([
                    "rows": [
                        [
                            "source": "health_insurance", "external_id": "AUTH-1", "resident_id": a, "kind": "outpatient_visit",
                            "observed_at": "2026-01-05",
                        ]
                    ]
                ])
            )
        case "/v1/tasks/{id}/outcome":
            return ("/v1/tasks/999/outcome", .post, [.contentType: "application/json"], Call.json(["outcome": "unreachable"]))
        case "/v1/payroll": return ("/v1/payroll?month=2026-01", .get, [:], nil)
        case "/v1/payroll/runs" where route.method == .post:
            return (route.path, .post, [.contentType: "application/json"], Call.json(["month": "2026-01"]))
        case "/v1/recoveries/{id}/closure":
            return (
                "/v1/recoveries/999/closure", .post, [.contentType: "application/json"], Call.json(["outcome": "waived", "reason": "r"])
            )
        default: return (route.path, route.method, [:], nil)
        }
    }

    @Test("every protected route: no key is 401, a wrong role is 403, an allowed role gets through")
    func roleMatrix() async throws {
        try await ServiceFixture.with { fixture, client in
            for route in APIRoute.all {
                let request = try Self.sample(route)
                guard let roles = route.roles else {
                    let response = try await client.execute(
                        uri: request.uri, method: request.method, headers: request.headers, body: request.body)
                    #expect(response.status == .ok, "\(route) is public")
                    continue
                }
                let anonymous = try await client.execute(
                    uri: request.uri, method: request.method, headers: request.headers, body: request.body)
                #expect(anonymous.status == .unauthorized && Call.errorCode(anonymous) == "unauthenticated", "\(route) without a key")
                let bogus = try await client.execute(
                    uri: request.uri, method: request.method,
                    headers: Call.headers("fc_0000000000000000.not-a-real-secret", request.headers), body: request.body)
                #expect(bogus.status == .unauthorized && Call.errorCode(bogus) == "invalid_key", "\(route) with an unknown key")
                for role in ServiceFixture.roles {
                    let response = try await client.execute(
                        uri: request.uri, method: request.method, headers: Call.headers(fixture.key(role), request.headers),
                        body: request.body)
                    // A payroll run needs a key of the city unit: the district operator is past the role check.
                    let scoped = route == .runPayroll && Call.errorCode(response) == "out_of_scope"
                    if roles.contains(role) {
                        #expect(
                            (scoped || ![401, 403].contains(response.status.code)) && response.status.code < 500,
                            "\(role) may call \(route): got \(response.status.code) \(Call.errorCode(response) ?? "")")
                    } else {
                        #expect(
                            response.status == .forbidden && Call.errorCode(response) == "forbidden_role",
                            "\(role) may not call \(route): got \(response.status.code)")
                    }
                }
            }
        }
    }

    @Test("a key of another district cannot read, enroll, verify or list person A's district, nor tell that A exists")
    func unitScope() async throws {
        try await ServiceFixture.with { fixture, client in
            let a = ServiceFixture.personA
            let outOfScope: [(APIRoute, APIKey.Role)] = [
                (.readPerson, .operator), (.readPerson, .kiosk), (.updatePerson, .operator), (.personLedger, .auditor),
                (.enroll, .operator), (.enrollment, .auditor), (.deleteEnrollment, .operator), (.verify, .kiosk), (.verify, .mobile),
            ]
            // A person elsewhere is answered exactly as one who does not exist (same status, code, words).
            let unknown = ResidentID.completing("37020219990101009")!.value
            let (maskedUnknown, maskedA) = (try ResidentID(unknown).masked, try ResidentID(a).masked)
            for (route, role) in outOfScope {
                let request = try Self.sample(route)
                let response = try await client.execute(
                    uri: request.uri, method: request.method, headers: Call.headers(fixture.key(role, "B"), request.headers),
                    body: request.body)
                let missing = try await client.execute(
                    uri: request.uri.replacingOccurrences(of: a, with: unknown), method: request.method,
                    headers: Call.headers(fixture.key(role, "B"), request.headers),
                    body: request.body.map { ByteBuffer(string: String(buffer: $0).replacingOccurrences(of: a, with: unknown)) })
                #expect(
                    response.status == .notFound && Call.errorCode(response) == "person_not_found",
                    "\(role) of district B on \(route): \(response.status.code)")
                #expect(
                    missing.status == response.status
                        && String(buffer: missing.body).replacingOccurrences(of: maskedUnknown, with: maskedA)
                            == String(buffer: response.body),
                    "\(route): \(String(buffer: missing.body)) vs \(String(buffer: response.body))")
            }
            for path in ["/v1/alerts", "/v1/tasks", "/v1/outbox", "/v1/stats", "/v1/payroll?month=2026-01"] {
                let separator = path.contains("?") ? "&" : "?"
                let response = try await client.execute(
                    uri: "\(path)\(separator)unit=370202", method: .get, headers: Call.headers(fixture.key(.operator, "B")))
                #expect(response.status == .forbidden && Call.errorCode(response) == "out_of_scope", "\(path)")
            }
            // A city-wide auditor sees district A.
            let city = try await fixture.store.keys.createKey(name: "city auditor", role: .auditor, unit: "3702").text
            let response = try await client.execute(uri: "/v1/persons/\(a)", method: .get, headers: Call.headers(city))
            #expect(response.status == .ok)
            // A feed of district B cannot report on person A: the row is refused, not stored.
            let feed = try Self.sample(.evidence)
            let refused = try await client.execute(
                uri: feed.uri, method: .post, headers: Call.headers(fixture.key(.feed, "B"), feed.headers), body: feed.body)
            #expect(refused.status == .ok)
            #expect(Call.body(refused)["imported"] as? Int == 0)
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 0)
        }
    }

    @Test("a revoked key is refused at once")
    func revokedKey() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let created = try await fixture.store.keys.createKey(name: "short-lived", role: .auditor, unit: "370202")
            let uri = "/v1/persons/\(ServiceFixture.personA)"
            #expect(try await client.execute(uri: uri, method: .get, headers: Call.headers(created.text)).status == .ok)
            try await fixture.store.keys.revokeKey(created.key.id)
            let response = try await client.execute(uri: uri, method: .get, headers: Call.headers(created.text))
            #expect(response.status == .unauthorized && Call.errorCode(response) == "invalid_key")
        }
    }

    @Test(
        "a signing kiosk: unsigned, stale, forged, replayed requests and signatures made from the bearer key or the stored hash are refused; its own secret passes"
    )
    func signedRequests() async throws {
        try await ServiceFixture.with { fixture, client in
            let kiosk = try await fixture.store.keys.createKey(name: "signed kiosk", role: .kiosk, unit: "370202", requireSignature: true)
            let secret = try #require(kiosk.signingSecret)
            let (type, body) = Call.multipart(fields: ["person_id": ServiceFixture.personA], photos: [try Fixtures.image("obama3.jpg")])
            func send(timestamp: Int, nonce: String, tamper: Bool = false, signingSecret: String? = nil) async throws -> TestResponse {
                let signature = try Signing.signature(
                    method: "POST", path: "/v1/verifications", body: Data(body.readableBytesView), timestamp: "\(timestamp)", nonce: nonce,
                    secret: signingSecret ?? secret)
                var headers = Call.headers(kiosk.text, [.contentType: type])
                headers[HTTPField.Name("X-FastCert-Timestamp")!] = "\(timestamp)"
                headers[HTTPField.Name("X-FastCert-Nonce")!] = nonce
                headers[HTTPField.Name("X-FastCert-Signature")!] = tamper ? String(signature.reversed()) : signature
                return try await client.execute(uri: "/v1/verifications", method: .post, headers: headers, body: body)
            }
            let unsigned = try await client.execute(
                uri: "/v1/verifications", method: .post, headers: Call.headers(kiosk.text, [.contentType: type]), body: body)
            #expect(unsigned.status == .unauthorized && Call.errorCode(unsigned) == "signature_required")
            let now = Int(Date().timeIntervalSince1970)
            let stale = try await send(timestamp: now - 301, nonce: "nonce-0001")
            #expect(stale.status == .unauthorized && Call.errorCode(stale) == "stale_signature")
            let forged = try await send(timestamp: now, nonce: "nonce-0002", tamper: true)
            #expect(forged.status == .unauthorized && Call.errorCode(forged) == "bad_signature")
            // What an eavesdropper or a database reader has cannot sign: the bearer secret, or its stored hash.
            let bearer = String(try #require(kiosk.text.split(separator: ".").dropFirst().first))
            let fromBearer = try await send(
                timestamp: now, nonce: "nonce-0004", signingSecret: "fcs_" + SHA256Digest.sha256(Data(bearer.utf8)).hex)
            #expect(fromBearer.status == .unauthorized && Call.errorCode(fromBearer) == "bad_signature")
            let storedHash = kiosk.key.secretHash
            let fromHash = try await send(timestamp: now, nonce: "nonce-0005", signingSecret: "fcs_" + storedHash.hex)
            #expect(fromHash.status == .unauthorized && Call.errorCode(fromHash) == "bad_signature")
            let good = try await send(timestamp: now, nonce: "nonce-0003")
            #expect(good.status == .ok && Call.body(good)["decision"] as? String == "verified")
            let replayed = try await send(timestamp: now, nonce: "nonce-0003")
            #expect(replayed.status == .unauthorized && Call.errorCode(replayed) == "replayed_request")
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence WHERE source = 'fastcert'") == 1)
        }
    }
}

/// How a kiosk signs a request (docs/http-api.md documents the same steps): Ed25519 with the
/// signing secret (`fcs_` and the private key's 32 bytes in hex).
enum Signing {
    static func signature(method: String, path: String, body: Data, timestamp: String, nonce: String, secret: String) throws -> String {
        let hex = secret.dropFirst(4)
        let raw = Data(
            stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0
            })
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        let bodyHash = SHA256Digest.sha256(body).hex
        let message = "\(method)\n\(path)\n\(bodyHash)\n\(timestamp)\n\(nonce)"
        return try key.signature(for: Data(message.utf8)).hex
    }
}

extension Sequence<UInt8> {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
