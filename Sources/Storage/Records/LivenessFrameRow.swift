import Foundation
import GRDB

/// A row of `liveness_frame`: every frame ever submitted, by hash, so none is accepted twice.
struct LivenessFrameRow: TableRow, Equatable, PersistableRecord {
    static let databaseTableName = "liveness_frame"

    var sha256: Data
    var sessionId: String
}
