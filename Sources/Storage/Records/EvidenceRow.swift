import GRDB

/// A row of `evidence`: one sign of life (or of death) from a department, as delivered.
struct EvidenceRow: TableRow, Equatable, MutablePersistableRecord {
    static let databaseTableName = "evidence"

    var id: Int64?
    var source: String
    var externalId: String
    var personId: String
    var kind: String
    /// strong, reference or death (the rules file's class of the kind)
    var `class`: String
    var observedDay: String
    var observedAt: String
    var receivedAt: String
    var payload: String?
    /// Who delivered the row: the key id, or `cli:<user>` for a file imported on the server.
    var deliveredBy: String?
    /// The day the retention cleared the payload (migration 31): a re-delivery is then compared
    /// by kind and day only.
    var payloadPrunedOn: String? = nil

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
