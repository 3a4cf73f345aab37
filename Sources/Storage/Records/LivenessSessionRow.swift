import Foundation
import GRDB

/// A row of `liveness_session`: challenges issued to one key for one person, used once.
struct LivenessSessionRow: TableRow, Equatable, PersistableRecord {
    static let databaseTableName = "liveness_session"

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
    /// The device it was issued to (a kiosk's key; the mobile key with the phone, or the person).
    var device: String?
}
