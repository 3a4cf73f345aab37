import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import Ledger

/// Every error the API returns, in one JSON shape: `{"error": {"code": "...", "message": "..."}}`
/// (plus per-photo results for a refused enrollment). The one place where domain errors become
/// status codes.
public struct APIError: HTTPResponseError, CustomStringConvertible {
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

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        let data =
            (try? JSON.encoder.encode(
                APIErrorBody(error: .init(code: code, message: message, photos: photos, duplicates: duplicates, disagreeing: disagreeing))))
            ?? Data()
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A ledger error, with the status its code calls for.
    init(_ error: LedgerError) {
        let status: HTTPResponse.Status =
            switch error.code {
            case "person_not_found", "unknown_task", "unknown_key", "unknown_session": .notFound
            case "out_of_scope", "session_mismatch": .forbidden
            case "person_exists", "task_closed", "not_enrolled", "key_revoked", "session_used", "session_expired": .conflict
            case "database": .serviceUnavailable
            case "template_unreadable", "template_seal", "template_key", "verification_evidence": .internalServerError
            default: .unprocessableContent
            }
        self.init(status, error.code, error.message)
        if status == .serviceUnavailable { headers[.retryAfter] = "1" }
    }

    /// A face-engine error about an uploaded image, or about the engine itself.
    init(_ error: FaceEngineError) {
        switch error {
        case .undecodableImage, .badArgument, .noFace: self.init(.unprocessableContent, error.code, error.message)
        case .unsupportedFormat: self.init(.unsupportedMediaType, error.code, error.message + " (send a JPEG or a PNG)")
        case .imageTooLarge: self.init(.contentTooLarge, error.code, error.message)
        case .busy:
            self.init(.serviceUnavailable, error.code, "the face engine is busy; retry in a second", headers: [.retryAfter: "1"])
        case .shutDown: self.init(.serviceUnavailable, error.code, "the service is shutting down", headers: [.retryAfter: "5"])
        case .modelLoadFailure, .internalError: self.init(.internalServerError, error.code, "the face engine failed on this image")
        }
    }
}

/// The one error shape, `{"error": {"code", "message", "photos"?, "duplicates"?}}`, for the service
/// that encodes it and the command line's remote mode that decodes it.
public struct APIErrorBody: Codable, Sendable {
    public struct Detail: Codable, Sendable {
        public var code: String
        public var message: String
        /// Enrollment: what happened to each photo.
        public var photos: [PhotoResult]?
        /// Enrollment refused as a duplicate identity: the persons the face is already enrolled as.
        public var duplicates: [Enroller.Duplicate]?
        /// Enrollment refused as photos of different people: the two photos (0-based).
        public var disagreeing: [Int]?
    }
    public var error: Detail
}

/// The JSON coders the API uses: snake_case keys, ISO 8601 dates.
enum JSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// A JSON response.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// Decodes a request body, turning every decoding failure into a 422 that says what was wrong.
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        guard buffer.readableBytes > 0 else {
            throw APIError(.unprocessableContent, "invalid_json", "the request body is empty; send a JSON object")
        }
        do {
            return try decoder.decode(type, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError(.unprocessableContent, "invalid_json", "the field '\(snake(key.stringValue))' is required")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map { snake($0.stringValue) }.joined(separator: ".")
            throw APIError(.unprocessableContent, "invalid_json", "the field '\(path)' has the wrong type or is null")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            let path = context.codingPath.map { snake($0.stringValue) }.joined(separator: ".")
            throw APIError(.unprocessableContent, "invalid_json", "the field '\(path)' is not valid: \(context.debugDescription)")
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.unprocessableContent, "invalid_json", "the request body is not valid JSON of the expected shape")
        }
    }

    static func snake(_ key: String) -> String {
        key.reduce(into: "") { out, c in
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
    }
}
