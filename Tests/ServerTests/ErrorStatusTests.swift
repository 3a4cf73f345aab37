import Certification
import FaceEngine
import HTTPTypes
import Hummingbird
import Ledger
import Logging
import Storage
import Testing

@testable import Server

/// Every error code the API can answer with has exactly one HTTP status, whichever layer raises
/// it (the switches behind ``APIError/status(_:)`` are exhaustive, so a new code does not
/// compile without one).
@Suite("Error codes and statuses")
struct ErrorStatusTests {
    static let engineErrors: [FaceEngineError] = [
        .badArgument(""), .undecodableImage(""), .unsupportedFormat(""), .imageTooLarge(""), .noFace(""), .modelLoadFailure(""),
        .internalError(""), .busy(""), .shutDown(""),
    ]

    /// (layer, code, status) for every code of every layer.
    static var table: [(layer: String, code: String, status: Int)] {
        APIError.Code.allCases.map { ("http", $0.rawValue, APIError.status($0).code) }
            + LedgerError.Code.allCases.map { ("ledger", $0.rawValue, APIError.status($0).code) }
            + StorageError.Code.allCases.map { ("storage", $0.rawValue, APIError.status($0).code) }
            + CertificationError.Code.allCases.map { ("certification", $0.rawValue, APIError.status($0).code) }
            + engineErrors.map { ("face", $0.code, APIError.status($0).code) }
            + Enroller.Status.allCases.filter { !$0.stored && $0 != .wouldEnroll }.map {
                ("enrollment", $0.rawValue, APIError.status($0).code)
            }
    }

    @Test("no code has two statuses across the layers")
    func oneStatusPerCode() {
        var seen: [String: (layer: String, status: Int)] = [:]
        for entry in Self.table {
            if let earlier = seen[entry.code] {
                #expect(
                    earlier.status == entry.status,
                    "\(entry.code): \(earlier.status) in \(earlier.layer), \(entry.status) in \(entry.layer)")
            }
            seen[entry.code] = (entry.layer, entry.status)
        }
        #expect(seen.count > 70)
    }

    @Test(
        "errors are 4xx for the request, 5xx only for the service's own faults",
        arguments: [
            ("invalid_resident_id", 422), ("person_not_found", 404), ("out_of_scope", 403), ("not_enrolled", 409), ("locked_out", 429),
            ("liveness_required", 422), ("database", 503), ("template_unreadable", 500), ("engine_busy", 503), ("no_face", 422),
            ("unsupported_format", 415), ("duplicate_identity", 409), ("photos_disagree", 422), ("unauthenticated", 401),
        ])
    func knownStatuses(code: String, status: Int) {
        #expect(Self.table.filter { $0.code == code }.map(\.status).allSatisfy { $0 == status })
        #expect(Self.table.contains { $0.code == code })
    }

    @Test("a fault of the service answers with a request id and never its detail (SQL, paths)")
    func faultsHideTheirDetail() {
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/evidence"),
            body: RequestBody(buffer: .init()))
        let logger = Logger(label: "test")
        let cases: [any Error] = [
            StorageError(.database, "SQLite error 5: database is locked - while executing `INSERT INTO evidence ...`"),
            StorageError(.templateKey, "cannot read /var/lib/fastcert/fastcert.sqlite.template-key"),
            FaceEngineError.internalError("internal fault in OpenCV while analysing the image: cv::Exception ..."),
            CocoaLikeError(),
        ]
        for error in cases {
            let answer = APIError.answer(for: error, request: request, logger: logger)
            #expect(answer.status.code >= 500)
            #expect(answer.requestID != nil && answer.message.contains(answer.requestID!))
            for secret in ["SQLite", "INSERT", "/var/lib", "cv::Exception", "fake detail"] { #expect(!answer.message.contains(secret)) }
        }
        let refused = APIError.answer(
            for: LedgerError(.personExists, "37020219400315001 is already in the ledger"), request: request, logger: logger)
        #expect(refused.status == .conflict && refused.requestID == nil && refused.message.contains("already in the ledger"))
    }

    struct CocoaLikeError: Error, CustomStringConvertible {
        var description: String { "fake detail" }
    }
}
