import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import TestSupport
import Testing

/// The OpenAPI document and the router describe the same routes.
@Suite("OpenAPI document")
struct OpenAPITests {
    /// (method, path) pairs declared under `paths:` in the served document.
    static func documentedRoutes(_ text: String) -> Set<String> {
        var routes = Set<String>()
        var path: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths, let first = line.first, !first.isWhitespace { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete"].contains(key) { routes.insert("\(key.uppercased()) \(path)") }
            }
        }
        return routes
    }

    @Test("every route of the router is documented, and every documented route is served")
    func documentMatchesRouter() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
            let documented = Self.documentedRoutes(String(buffer: response.body))
            let served = Set(APIRoute.all.map(\.description))
            #expect(
                documented == served, "only documented: \(documented.subtracting(served)); only served: \(served.subtracting(documented))")
            // Each route of the table answers through the router (not the router's 404).
            for route in APIRoute.all {
                let uri = route.path.replacingOccurrences(
                    of: "{id}", with: route.path.hasPrefix("/v1/tasks") ? "1" : ServiceFixture.personA)
                let key = route.roles?.first.map { fixture.key($0) }
                let answer = try await client.execute(uri: uri, method: route.method, headers: Call.headers(key))
                #expect(Call.errorCode(answer) != "not_found" && Call.errorCode(answer) != "method_not_allowed", "\(route)")
            }
        }
    }

    @Test("unknown paths are 404 and known paths with another method 405, both in the error shape")
    func unknownRoutes() async throws {
        try await ServiceFixture.with(enrollA: false) { _, client in
            let missing = try await client.execute(uri: "/v2/nothing", method: .get)
            #expect(missing.status == .notFound && Call.errorCode(missing) == "not_found")
            let wrongMethod = try await client.execute(uri: "/v1/verifications", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed && Call.errorCode(wrongMethod) == "method_not_allowed")
            #expect(wrongMethod.headers[.allow] == "POST")
        }
    }

    @Test("metrics count requests by route template (never a resident ID) and verification decisions")
    func metrics() async throws {
        try await ServiceFixture.with { fixture, client in
            _ = try await client.execute(
                uri: "/v1/persons/\(ServiceFixture.personA)", method: .get, headers: Call.headers(fixture.key(.operator)))
            _ = try await VerificationTests.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("obama3.jpg"))
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains("fastcert_http_requests_total{route=\"/v1/persons/{id}\",method=\"GET\",status=\"200\"} 1"))
            #expect(text.contains("fastcert_verifications_total{decision=\"verified\"} 1"))
            #expect(text.contains("fastcert_engine_queue_depth"))
            #expect(text.contains("fastcert_http_request_duration_seconds_bucket"))
            #expect(!text.contains(ServiceFixture.personA))
        }
    }
}
