import Foundation
import HTTPTypes
import Hummingbird

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
            throw APIError(.invalidJSON, "the request body is empty; send a JSON object")
        }
        do {
            return try decoder.decode(type, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError(.invalidJSON, "the field '\(snake(key.stringValue))' is required")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map { snake($0.stringValue) }.joined(separator: ".")
            throw APIError(.invalidJSON, "the field '\(path)' has the wrong type or is null")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            let path = context.codingPath.map { snake($0.stringValue) }.joined(separator: ".")
            throw APIError(.invalidJSON, "the field '\(path)' is not valid: \(context.debugDescription)")
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.invalidJSON, "the request body is not valid JSON of the expected shape")
        }
    }

    static func snake(_ key: String) -> String {
        key.reduce(into: "") { out, c in
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
    }
}
