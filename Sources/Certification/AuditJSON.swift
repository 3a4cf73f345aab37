import Foundation

/// The JSON kept beside a decision for the audit trail (an evidence row's payload, a liveness
/// session's checks, a refused enrollment's duplicates): snake_case keys, sorted, so the same
/// decision always reads the same.
enum AuditJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The value as JSON text (these values always encode; an empty string if one ever did not).
    static func text(_ value: some Encodable) -> String {
        String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}
