import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// The service's counters and latency histograms, rendered in Prometheus' text format at
/// `/metrics`: requests and latency by route and status, verification decisions, and gauges
/// read when scraped (the face engine's queue).
final class ServiceMetrics: Sendable {
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Histogram {
        var counts = [Int](repeating: 0, count: ServiceMetrics.buckets.count)
        var sum = 0.0
        var count = 0
    }

    private struct State {
        var requests: [String: Int] = [:]  // labels -> count
        var latency: [String: Histogram] = [:]
        var verifications: [String: Int] = [:]
    }

    private let state = Mutex(State())
    private let gauges: @Sendable () -> [(name: String, help: String, value: Double)]

    init(gauges: @escaping @Sendable () -> [(name: String, help: String, value: Double)]) {
        self.gauges = gauges
    }

    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests["route=\"\(route)\",method=\"\(method)\",status=\"\(status)\"", default: 0] += 1
            let key = "route=\"\(route)\",method=\"\(method)\""
            var histogram = state.latency[key] ?? Histogram()
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { histogram.counts[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            state.latency[key] = histogram
        }
    }

    func recordVerification(decision: String) {
        state.withLock { $0.verifications[decision, default: 0] += 1 }
    }

    /// Prometheus text exposition format 0.0.4.
    func render() -> String {
        let snapshot = state.withLock { $0 }
        var out = "# HELP fastcert_http_requests_total HTTP requests answered, by route template, method and status.\n"
        out += "# TYPE fastcert_http_requests_total counter\n"
        for (labels, count) in snapshot.requests.sorted(by: { $0.key < $1.key }) {
            out += "fastcert_http_requests_total{\(labels)} \(count)\n"
        }
        out += "# HELP fastcert_http_request_duration_seconds Time to answer, by route template and method.\n"
        out += "# TYPE fastcert_http_request_duration_seconds histogram\n"
        for (labels, histogram) in snapshot.latency.sorted(by: { $0.key < $1.key }) {
            for (index, bound) in Self.buckets.enumerated() {
                out += "fastcert_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(histogram.counts[index])\n"
            }
            out += "fastcert_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
            out += "fastcert_http_request_duration_seconds_sum{\(labels)} \(histogram.sum)\n"
            out += "fastcert_http_request_duration_seconds_count{\(labels)} \(histogram.count)\n"
        }
        out += "# HELP fastcert_verifications_total Face verifications, by decision.\n"
        out += "# TYPE fastcert_verifications_total counter\n"
        for decision in ["verified", "not_verified", "retry", "locked"] {
            out += "fastcert_verifications_total{decision=\"\(decision)\"} \(snapshot.verifications[decision] ?? 0)\n"
        }
        for gauge in gauges() {
            out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n\(gauge.name) \(gauge.value)\n"
        }
        return out
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
        let seconds = (ContinuousClock.now - start).inSeconds
        metrics.recordRequest(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code, seconds: seconds)
        return response
    }

    static func errorResponse(_ error: any Error, request: Request, context: APIContext) throws -> Response {
        try APIError.answer(for: error, request: request, logger: context.logger).response(from: request, context: context)
    }
}
