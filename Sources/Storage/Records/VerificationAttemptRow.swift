import Foundation
import GRDB

/// A row of `verification_attempt`: one decided attempt, for the lockout and the audit.
struct VerificationAttemptRow: TableRow, Equatable, MutablePersistableRecord {
    static let databaseTableName = "verification_attempt"

    var id: Int64?
    var personId: String
    var keyId: String
    /// The device the lockout counts against (a kiosk's key; the mobile key with the phone).
    var device: String?
    var decision: String
    var distance: Double?
    var reasons: String?
    /// How a compared face was decided (`distance`, `cohort`), its score there and the threshold.
    var rule: String?
    var score: Double?
    var threshold: Double?
    var evidenceId: Int64?
    var at: String

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
