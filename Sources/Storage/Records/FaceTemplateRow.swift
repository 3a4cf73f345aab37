import Foundation
import GRDB

/// A row of `face_template`: a person's embeddings, sealed.
struct FaceTemplateRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, TableRecord {
    static let databaseTableName = "face_template"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var personId: String
    var sealed: Data
    var photos: Int
    var enrolledAt: String
    var enrolledBy: String
}
