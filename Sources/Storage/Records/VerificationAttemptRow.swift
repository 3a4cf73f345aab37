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
    /// `assisted` (a community worker's staff key) or `by_relative` (a relative's phone); nil: the person alone.
    var mode: String? = nil
    /// An assisted attempt's worker: their holder through their key (``ActorID``).
    var assistedBy: String? = nil
    /// A relative's attempt: the relative as they gave themselves (name and relation).
    var relative: String? = nil
    /// An assisted attempt: the visit task whose code the worker stated.
    var visitTaskId: Int64? = nil

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
