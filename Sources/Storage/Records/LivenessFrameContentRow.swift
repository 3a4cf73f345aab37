import Foundation
import GRDB

/// A row of `liveness_frame_content`: what each submitted frame's decoded picture showed, so a
/// capture sent again with other bytes (appended, metadata, re-encoded) is still recognised.
struct LivenessFrameContentRow: TableRow, Equatable, PersistableRecord {
    static let databaseTableName = "liveness_frame_content"

    var sessionId: String
    var personId: String
    /// The frame's place in its submission, from 0.
    var position: Int
    var pixelDigest: Data
    var differenceHash: Data
}
