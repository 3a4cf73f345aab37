import Certification
import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Logging

/// `POST /v1/sightings` (one sighting, multipart), `POST /v1/sightings/batch` (a gateway's day of
/// captures, NDJSON) and `GET /v1/stats/sightings` (counts by outcome per unit). A camera key sends;
/// staff read the counts. The still is never stored, logged or answered (docs/sightings.md).
struct SightingRoutes {
    let dependencies: ServiceDependencies
    /// Most sightings one batch request may carry (each up to three stills, within the body limit).
    static let maxBatch = 100

    /// What a camera is told for one sighting of a batch: the answer, or why it was refused.
    struct BatchResult: Encodable {
        struct Refusal: Encodable {
            var code: String
            var message: String
        }
        var line: Int
        var captureId: String?
        var sightingId: Int64?
        var outcome: String?
        var reason: String?
        var replayed: Bool?
        var error: Refusal?
    }

    struct BatchBody: Encodable {
        var results: [BatchResult]
        var confirmed: Int
        var otherFace: Int
        var noDecision: Int
        var refused: Int
    }

    /// One line of a batch.
    struct BatchLine: Decodable {
        var personId: String
        var captureId: String
        var capturedAt: String
        var site: String?
        var unit: String?
        var stills: [String]
    }

    struct StatsBody: Encodable {
        struct Unit: Encodable {
            var unit: String
            var confirmed: Int
            var otherFace: Int
            var noDecision: Int
            var noDecisionReasons: [String: Int]
        }
        var unit: String
        var month: String
        var units: [Unit]
    }

    func register(_ routes: RouteRegistrar) {
        routes.add(.sighting) { request, context, body in
            let caller = try context.requireCaller()
            let upload = try Upload.parse(request, body: body)
            func field(_ name: String) throws -> String {
                guard let value = upload.fields[name], !value.isEmpty else {
                    throw APIError(.invalidRequest, "\(name) is required (see docs/sightings.md)")
                }
                return value
            }
            let capture = SightingService.Capture(
                person: try ResidentID(try field("person_id")), captureID: try field("capture_id"), capturedAt: try field("captured_at"),
                site: upload.fields["site"], unit: upload.fields["unit"], stills: upload.stills)
            let answer = try await submit(capture, caller, context.logger)
            return try JSON.response(answer, headers: answer.replayed ? [Self.replayedHeader: "true"] : [:])
        }
        routes.add(.sightingBatch) { request, context, body in
            try await batch(request, context, body)
        }
        routes.add(.sightingStats) { request, context, _ in
            let ledger = LedgerRoutes(dependencies: dependencies)
            let unit = try await ledger.unitInScope(request, context)
            let month = try LedgerRoutes.statsMonth(request)
            let units = [unit] + (try await ledger.queries.childUnits(of: unit))
            let counts = try await dependencies.heavyReads.run {
                try await sightings().sightingCounts(
                    units: units, from: month.firstDay, until: Month(month.firstDay.adding(months: 1)).firstDay.adding(days: -1))
            }
            return try JSON.response(
                StatsBody(
                    unit: unit, month: month.description,
                    units: counts.map {
                        .init(
                            unit: $0.unit, confirmed: $0.confirmed, otherFace: $0.otherFace, noDecision: $0.noDecision,
                            noDecisionReasons: $0.noDecisionReasons)
                    }))
        }
    }

    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    func sightings() throws -> any SightingStore {
        guard let store = dependencies.stores.sightings else {
            throw APIError(.internalError, "this ledger keeps no sightings")
        }
        return store
    }

    /// Decides and records one sighting, with the thresholds of the configuration; the log keeps
    /// the outcome and reason, never the still or the distance.
    func submit(_ capture: SightingService.Capture, _ caller: APIKey, _ logger: Logger) async throws -> SightingAnswer {
        let service = SightingService(
            store: try sightings(), engine: dependencies.engine, policy: dependencies.configuration.sightingPolicy,
            rules: SightingRules.current(dependencies.stores.rules),
            unitPath: { [queries = dependencies.stores.queries] in
                try await queries.unitPath($0)
            })
        do {
            let answer = try await service.submit(capture, key: caller)
            if !answer.replayed {
                dependencies.metrics.recordSighting(outcome: answer.outcome.rawValue)
                logger.info(
                    "sighting",
                    metadata: ["person": "\(capture.person)", "outcome": "\(answer.outcome.rawValue)", "reason": "\(answer.reason)"])
            }
            return answer
        } catch let refusal as SightingService.Refusal {
            throw APIError(APIError.Code(rawValue: refusal.code) ?? .invalidRequest, refusal.message)
        }
    }

    /// A gateway's batch: `application/x-ndjson`, one sighting a line
    /// (`{"person_id", "capture_id", "captured_at", "site", "unit", "stills": [base64...]}`), at
    /// most ``maxBatch``. Each is decided on its own, as many at once as the engine has workers: a
    /// line that is malformed or refused is answered with its error, the others stand.
    func batch(_ request: Request, _ context: APIContext, _ body: ByteBuffer) async throws -> Response {
        let caller = try context.requireCaller()
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        // Each sighting's JSON bytes, numbered from 1: NDJSON lines (blank lines skipped, counted), or
        // the items of a JSON object's `sightings` array.
        let lines: [(offset: Int, element: [UInt8])]
        switch mediaType {
        case "application/x-ndjson":
            lines = body.readableBytesView.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
                .enumerated().filter { !$0.element.allSatisfy { $0 == 32 || $0 == 13 || $0 == 9 } }
        case "application/json":
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                let items = object["sightings"] as? [Any]
            else {
                throw APIError(.invalidJSON, "send {\"sightings\": [{...}, ...]}, or application/x-ndjson (docs/sightings.md)")
            }
            lines = items.map { Array((try? JSONSerialization.data(withJSONObject: $0, options: .fragmentsAllowed)) ?? Data()) }
                .enumerated().map { $0 }
        default:
            throw APIError(
                .unsupportedMediaType, "send application/x-ndjson (one sighting a line) or application/json {\"sightings\": [...]}")
        }
        guard !lines.isEmpty else { throw APIError(.noRows, "the batch has no sightings: one JSON object a line") }
        guard lines.count <= Self.maxBatch else {
            throw APIError(.tooManySightings, "\(lines.count) sightings in one batch; at most \(Self.maxBatch) (split the day's captures)")
        }
        let parsed: [(line: Int, capture: Result<SightingService.Capture, APIError>, id: String?)] = lines.map { index, bytes in
            let line = index + 1
            do {
                let shape = try JSON.decode(BatchLine.self, from: ByteBuffer(bytes: bytes))
                let stills = try shape.stills.enumerated().map { try Upload.base64($0.element, index: $0.offset) }
                let person: ResidentID
                do throws(LedgerError) { person = try ResidentID(shape.personId) } catch {
                    throw APIError(status: .unprocessableContent, code: error.code.rawValue, message: error.message)
                }
                return (
                    line,
                    .success(
                        .init(
                            person: person, captureID: shape.captureId, capturedAt: shape.capturedAt, site: shape.site, unit: shape.unit,
                            stills: stills)), shape.captureId
                )
            } catch let error as APIError {
                return (line, .failure(error), nil)
            } catch {
                return (line, .failure(APIError(.invalidJSON, "line \(line) is not a sighting object")), nil)
            }
        }
        let logger = context.logger
        let results = await Concurrently.map(parsed, width: max(1, dependencies.engine.configuration.workers)) { item in
            switch item.capture {
            case .failure(let error):
                return BatchResult(line: item.line, captureId: item.id, error: .init(code: error.code, message: error.message))
            case .success(let capture):
                do {
                    let answer = try await submit(capture, caller, logger)
                    return BatchResult(
                        line: item.line, captureId: capture.captureID, sightingId: answer.sightingId, outcome: answer.outcome.rawValue,
                        reason: answer.reason, replayed: answer.replayed)
                } catch {
                    let answer = APIError.answer(for: error, request: request, logger: logger)
                    return BatchResult(
                        line: item.line, captureId: capture.captureID, error: .init(code: answer.code, message: answer.message))
                }
            }
        }
        func count(_ outcome: Sighting.Outcome) -> Int { results.filter { $0.outcome == outcome.rawValue }.count }
        return try JSON.response(
            BatchBody(
                results: results, confirmed: count(.confirmed), otherFace: count(.otherFace), noDecision: count(.noDecision),
                refused: results.filter { $0.error != nil }.count))
    }
}
