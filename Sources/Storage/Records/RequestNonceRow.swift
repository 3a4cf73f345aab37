import Foundation
import GRDB

/// A row of `request_nonce`: a signed request's nonce, kept while its timestamp is fresh.
struct RequestNonceRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, TableRecord {
    static let databaseTableName = "request_nonce"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var keyId: String
    var nonce: String
    /// Unix seconds.
    var at: Int
}
