import Foundation
import GRDB

/// A row of `liveness_session`: challenges issued to one key for one person, used once.
struct LivenessSessionRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, TableRecord {
    static let databaseTableName = "liveness_session"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var id: String
    var keyId: String
    var personId: String
    /// Comma-separated, in order.
    var challenges: String
    var createdAt: String
    /// Unix seconds.
    var expiresAt: Int
    var usedAt: String?
    var verdict: String?
    var detail: String?
}
