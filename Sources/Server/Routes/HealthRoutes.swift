import Foundation
import Hummingbird

/// `/healthz` (the process answers), `/readyz` (models loaded, database readable), `/metrics`
/// (Prometheus text) and `/openapi.yaml`: public, no key needed.
struct HealthRoutes {
    let dependencies: ServiceDependencies

    struct Status: Encodable {
        var status: String
        var engine: String?
        var database: String?
    }

    /// The OpenAPI document, shipped as a resource.
    static let openAPIDocument: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.0.3\ninfo: {title: FastCert, version: missing}\npaths: {}\n" }
        return text
    }()

    func register(_ routes: RouteRegistrar) {
        let healthy = ByteBuffer(string: #"{"status":"ok"}"#)
        routes.add(.health) { _, _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: healthy))
        }
        routes.add(.ready) { _, _, _ in
            let engineReady = dependencies.engine.isReady
            var databaseReady = true
            do { try await dependencies.stores.queries.ping() } catch { databaseReady = false }
            let ready = engineReady && databaseReady
            return try JSON.response(
                Status(
                    status: ready ? "ready" : "not_ready", engine: engineReady ? "ready" : "not_ready",
                    database: databaseReady ? "ready" : "unavailable"),
                status: ready ? .ok : .serviceUnavailable, headers: ready ? [:] : [.retryAfter: "5"])
        }
        routes.add(.metrics) { _, _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: dependencies.metrics.render())))
        }
        let document = ByteBuffer(string: Self.openAPIDocument)
        routes.add(.openAPI) { _, _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: document))
        }
    }
}
