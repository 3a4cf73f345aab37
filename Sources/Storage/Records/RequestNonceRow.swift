import Foundation
import GRDB

/// A row of `request_nonce`: a signed request's nonce, kept while its timestamp is fresh.
struct RequestNonceRow: TableRow, Equatable, PersistableRecord {
    static let databaseTableName = "request_nonce"

    var keyId: String
    var nonce: String
    /// Unix seconds.
    var at: Int
}
