import Foundation
import GRDB

/// A row of `api_key`: a caller's key (only a hash of its secret).
struct APIKeyRow: TableRow, Equatable, PersistableRecord {
    static let databaseTableName = "api_key"

    var id: String
    var name: String
    var role: String
    var unitCode: String
    var secretSha256: Data
    var requireSignature: Bool
    var createdAt: String
    var revokedAt: String?
    /// Feed keys: the departments whose kinds the key may deliver, comma-separated.
    var sources: String?
    /// Signing kiosk keys: the Ed25519 public key their requests are verified with (the private
    /// key was shown once, at creation, and is not stored).
    var signingPublicKey: Data?
    /// The named person the key was issued to (operator keys); what four eyes compares.
    var holder: String?
    /// The key or system account that made the key.
    var createdBy: String?
}
