import Foundation
import GRDB

/// A row of `idempotent_response`: the response given under a caller's idempotency key.
struct IdempotentResponseRow: TableRow, Equatable, PersistableRecord {
    static let databaseTableName = "idempotent_response"

    var keyId: String
    var idempotencyKey: String
    var requestSha256: Data
    var status: Int
    var body: Data
    var createdAt: String
}
