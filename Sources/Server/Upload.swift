import Foundation
import Hummingbird

/// What a client uploaded: named text fields and photos, from `multipart/form-data` (photos as
/// parts named `photo`) or from JSON (photos base64-encoded, under `photo` or `photos`).
struct Upload: Sendable {
    var fields: [String: String] = [:]
    var photos: [Data] = []
    /// Liveness frames, in capture order (parts named `frame`, or JSON `frames`).
    var frames: [Data] = []
    /// A camera's stills of one sighting (parts named `still`).
    var stills: [Data] = []

    /// Parses the body by its Content-Type; anything but multipart or JSON is a 415. An empty
    /// photo is refused here (422), before it reaches the engine.
    static func parse(_ request: Request, body: ByteBuffer) throws -> Upload {
        let upload = try parseContent(request, body: body)
        if let empty = (upload.photos + upload.frames).firstIndex(where: \.isEmpty) {
            throw APIError(.emptyPhoto, "photo \(empty + 1) is empty (0 bytes): attach the image file")
        }
        return upload
    }

    static func parseContent(_ request: Request, body: ByteBuffer) throws -> Upload {
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch mediaType {
        case "multipart/form-data": return try multipart(body, contentType: contentType)
        case "application/json": return try json(body)
        default:
            throw APIError(
                .unsupportedMediaType,
                "send multipart/form-data (photos as parts named 'photo') or application/json (photos base64-encoded)")
        }
    }

    static func json(_ body: ByteBuffer) throws -> Upload {
        struct Shape: Decodable {
            var personId: String?
            var photo: String?
            var photos: [String]?
            var livenessSession: String?
            var frames: [String]?
            var timestamps: [Double]?
            /// Help at home (docs/http-api.md): a staff key's visit code; a relative's phone.
            var visitCode: String?
            var byRelative: Bool?
            var relativeName: String?
            var relativeRelation: String?
            var assisted: Bool?
        }
        let shape = try JSON.decode(Shape.self, from: body)
        var upload = Upload()
        if let person = shape.personId { upload.fields["person_id"] = person }
        if let session = shape.livenessSession { upload.fields["liveness_session"] = session }
        if let timestamps = shape.timestamps { upload.fields["timestamps"] = timestamps.map { String($0) }.joined(separator: ",") }
        if let code = shape.visitCode { upload.fields["visit_code"] = code }
        if let relative = shape.byRelative { upload.fields["by_relative"] = String(relative) }
        if let name = shape.relativeName { upload.fields["relative_name"] = name }
        if let relation = shape.relativeRelation { upload.fields["relative_relation"] = relation }
        if let assisted = shape.assisted { upload.fields["assisted"] = String(assisted) }
        for (index, text) in (shape.frames ?? []).enumerated() { upload.frames.append(try base64(text, index: index)) }
        for (index, text) in ([shape.photo].compactMap { $0 } + (shape.photos ?? [])).enumerated() {
            upload.photos.append(try base64(text, index: index))
        }
        return upload
    }

    /// Base64 (standard or URL-safe, padded or not, optionally as a `data:` URL) to bytes.
    static func base64(_ text: String, index: Int) throws -> Data {
        var payload = Substring(text)
        if payload.hasPrefix("data:"), let comma = payload.firstIndex(of: ",") { payload = payload[payload.index(after: comma)...] }
        var clean = payload.filter { !$0.isWhitespace }.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        if clean.count % 4 != 0 { clean += String(repeating: "=", count: 4 - clean.count % 4) }
        guard !clean.isEmpty, let data = Data(base64Encoded: clean) else {
            throw APIError(.invalidBase64, "photo \(index + 1) is not valid base64")
        }
        return data
    }

    static let maxParts = 40

    /// The characters RFC 2046 allows in a boundary. None is CR, so the delimiter `CRLF--boundary`
    /// cannot overlap itself past its first byte: ``find(_:in:from:)`` then compares each body
    /// byte a bounded number of times (linear; a 10 MB body of near-miss delimiters parses in about
    /// 1 s in a debug build, where MultipartKit's parser took about 9 s: see docs/http-api.md).
    static let boundaryCharacters = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ")

    static func multipart(_ body: ByteBuffer, contentType: String) throws -> Upload {
        guard let boundary = parameter("boundary", in: contentType), (1...70).contains(boundary.count),
            boundary.allSatisfy(boundaryCharacters.contains), boundary.last != " "
        else {
            throw APIError(
                .invalidMultipart, "the multipart Content-Type needs a boundary parameter of 1 to 70 characters (RFC 2046)")
        }
        let bytes = Array(body.readableBytesView)
        let delimiter = Array("--\(boundary)".utf8)
        guard var position = find(delimiter, in: bytes, from: 0) else {
            throw APIError(.invalidMultipart, "the body does not contain the multipart boundary")
        }
        var upload = Upload()
        var parts = 0
        while true {
            position += delimiter.count
            if bytes[position...].starts(with: Array("--".utf8)) { break }  // the closing delimiter
            guard bytes[position...].starts(with: [13, 10]) else {
                throw APIError(.invalidMultipart, "a multipart boundary is not followed by a line break")
            }
            position += 2
            guard let headerEnd = find([13, 10, 13, 10], in: bytes, from: position) else {
                throw APIError(.invalidMultipart, "a multipart part has no end to its headers")
            }
            let headers = String(decoding: bytes[position..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find([13, 10] + delimiter, in: bytes, from: contentStart) else {
                throw APIError(.invalidMultipart, "the multipart body ends before its closing boundary")
            }
            parts += 1
            guard parts <= maxParts else {
                throw APIError(.invalidMultipart, "more than \(maxParts) parts in one request")
            }
            let disposition = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-disposition:") }
            guard let disposition, let name = parameter("name", in: String(disposition)) else {
                throw APIError(.invalidMultipart, "a multipart part has no Content-Disposition name")
            }
            let content = bytes[contentStart..<next]
            if name == "photo" || name == "photos" || name == "photos[]" {
                upload.photos.append(Data(content))
            } else if name == "frame" || name == "frames" || name == "frames[]" {
                upload.frames.append(Data(content))
            } else if name == "still" || name == "stills" || name == "stills[]" {
                upload.stills.append(Data(content))
            } else {
                upload.fields[name] = String(decoding: content, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            position = next + 2
        }
        return upload
    }

    /// `name=value` or `name="value"` from a header's parameters.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
