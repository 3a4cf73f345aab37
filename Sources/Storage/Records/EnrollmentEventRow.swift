import Foundation
import GRDB

/// A row of `enrollment_event`: an enrollment, a replacement, a refusal as a duplicate, a deletion.
struct EnrollmentEventRow: TableRow, Equatable, MutablePersistableRecord {
    static let databaseTableName = "enrollment_event"

    var id: Int64?
    var personId: String
    var action: String
    var photos: Int
    var actor: String
    var at: String
    var detail: String?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
