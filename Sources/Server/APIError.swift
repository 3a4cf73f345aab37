import APIModels
import Certification
import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import Ledger

/// Every error the API returns, in one JSON shape: `{"error": {"code": "...", "message": "..."}}`
/// (plus per-photo results for a refused enrollment, and a request id for a fault of the service).
/// Statuses come from the codes, in the exhaustive switches of ``APIError+Status.swift``: one
/// status per code, everywhere.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    /// The request-level codes of the HTTP layer (domain codes come from the domain errors).
    public enum Code: String, Sendable, CaseIterable {
        case invalidJSON = "invalid_json"
        case invalidMultipart = "invalid_multipart"
        case invalidBase64 = "invalid_base64"
        case unsupportedMediaType = "unsupported_media_type"
        case emptyPhoto = "empty_photo"
        case noPhoto = "no_photo"
        case tooManyPhotos = "too_many_photos"
        case tooManyFrames = "too_many_frames"
        case tooManyPixels = "too_many_pixels"
        case bodyTimeout = "body_timeout"
        case invalidTimestamps = "invalid_timestamps"
        case invalidRequest = "invalid_request"
        case invalidQuery = "invalid_query"
        case invalidKind = "invalid_kind"
        case invalidCSV = "invalid_csv"
        case tooManyRows = "too_many_rows"
        case noRows = "no_rows"
        case invalidTaskID = "invalid_task_id"
        case invalidID = "invalid_id"
        case invalidOutcome = "invalid_outcome"
        case invalidDay = "invalid_day"
        case invalidUnit = "invalid_unit"
        /// Sightings: a site name, capture id, stills or capture time the camera sent wrong.
        case invalidSite = "invalid_site"
        case invalidCaptureID = "invalid_capture_id"
        case invalidStills = "invalid_stills"
        case invalidCapturedAt = "invalid_captured_at"
        case tooManySightings = "too_many_sightings"
        case invalidIdempotencyKey = "invalid_idempotency_key"
        case nothingToChange = "nothing_to_change"
        case notFound = "not_found"
        case bodyNotAllowed = "body_not_allowed"
        case methodNotAllowed = "method_not_allowed"
        case bodyTooLarge = "body_too_large"
        case unauthenticated
        case invalidKey = "invalid_key"
        case signatureRequired = "signature_required"
        case badSignature = "bad_signature"
        case staleSignature = "stale_signature"
        case replayedRequest = "replayed_request"
        case forbiddenRole = "forbidden_role"
        case timeout
        case heavyReadsBusy = "heavy_reads_busy"
        case badRequest = "bad_request"
        case internalError = "internal_error"
    }

    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields = [:]
    /// Enrollment: what happened to each photo.
    var photos: [PhotoResult]?
    /// Enrollment refused as a duplicate identity: the persons the face is already enrolled as.
    var duplicates: [Enroller.Duplicate]?
    /// Enrollment refused as photos of different people: the two photos (0-based).
    var disagreeing: [Int]?
    /// A fault of the service: the id under which the detail was logged.
    var requestID: String?

    /// A request-level error; its status is the code's.
    public init(_ code: Code, _ message: String, headers: HTTPFields = [:]) {
        self.init(status: Self.status(code), code: code.rawValue, message: message, headers: headers)
    }

    init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        let detail = APIErrorBody.Detail(
            code: code, message: message, photos: photos, duplicates: duplicates, disagreeing: disagreeing, requestId: requestID)
        let data = (try? JSON.encoder.encode(APIErrorBody(error: detail))) ?? Data()
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
