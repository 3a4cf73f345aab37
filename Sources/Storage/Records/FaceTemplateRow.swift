import Foundation
import GRDB

/// A row of `face_template`: a person's embeddings, sealed.
struct FaceTemplateRow: TableRow, Equatable, PersistableRecord {
    static let databaseTableName = "face_template"

    var personId: String
    var sealed: Data
    var photos: Int
    var enrolledAt: String
    var enrolledBy: String
}
