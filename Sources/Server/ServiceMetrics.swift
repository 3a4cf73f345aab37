import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import Prometheus

/// The service's metrics through swift-metrics, so any backend plugs in: requests by route
/// template (never a raw path: resident IDs stay out), method and status; latency by route and
/// method; verification decisions; and gauges read when scraped (the face engine's queue). The
/// default backend is a Prometheus registry of this service's own (no process-wide bootstrap),
/// rendered in Prometheus' text format at `/metrics`.
final class ServiceMetrics: Sendable {
    static let latencyBuckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10].map { .milliseconds($0 * 1000) }
    static let decisions = ["verified", "not_verified", "retry", "locked"]

    let factory: any MetricsFactory
    let registry: PrometheusCollectorRegistry
    private let gauges: @Sendable () -> [(name: String, help: String, value: Double)]

    init(gauges: @escaping @Sendable () -> [(name: String, help: String, value: Double)]) {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.factory = factory
        self.gauges = gauges
        // Every decision is exposed from the start, at 0.
        for decision in Self.decisions {
            _ = Counter(label: "fastcert_verifications_total", dimensions: [("decision", decision)], factory: factory)
        }
    }

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        Counter(
            label: "fastcert_http_requests_total", dimensions: [("route", route), ("method", method), ("status", "\(status)")],
            factory: factory
        ).increment()
        Metrics.Timer(
            label: "fastcert_http_request_duration_seconds", dimensions: [("route", route), ("method", method)], factory: factory
        )
        .record(duration: duration)
    }

    func recordVerification(decision: String) {
        Counter(label: "fastcert_verifications_total", dimensions: [("decision", decision)], factory: factory).increment()
    }

    /// A sighting decided (confirmed, other_face, no_decision).
    func recordSighting(outcome: String) {
        Counter(label: "fastcert_sightings_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    /// Prometheus text exposition format 0.0.4, with the gauges read now.
    func render() -> String {
        for gauge in gauges() { registry.makeGauge(name: gauge.name, help: gauge.help).set(gauge.value) }
        return registry.emitToString()
    }
}

/// Times every request and counts it by route template (never by raw path: resident IDs stay
/// out of the metrics) and status; turns any error into the API's JSON error shape, so nothing
/// leaves the service as a bare 500 or an HTML page.
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try Self.errorResponse(error, request: request, context: context)
        }
        metrics.recordRequest(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code,
            duration: ContinuousClock.now - start)
        return response
    }

    static func errorResponse(_ error: any Error, request: Request, context: APIContext) throws -> Response {
        try APIError.answer(for: error, request: request, logger: context.logger).response(from: request, context: context)
    }
}
