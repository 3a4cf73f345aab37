import Foundation
import GRDB

/// A row of `liveness_frame`: every frame ever submitted, by hash, so none is accepted twice.
struct LivenessFrameRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, TableRecord {
    static let databaseTableName = "liveness_frame"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var sha256: Data
    var sessionId: String
}
