import Foundation
import GRDB

/// A row of `idempotent_response`: the response given under a caller's idempotency key.
struct IdempotentResponseRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, TableRecord {
    static let databaseTableName = "idempotent_response"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var keyId: String
    var idempotencyKey: String
    var requestSha256: Data
    var status: Int
    var body: Data
    var createdAt: String
}
