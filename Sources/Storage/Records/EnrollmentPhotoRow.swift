import Foundation
import GRDB

/// A row of `enrollment_photo`: one photo of a person's current enrollment (never the image).
struct EnrollmentPhotoRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, TableRecord {
    static let databaseTableName = "enrollment_photo"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var personId: String
    var position: Int
    var sha256: Data
    var accepted: Bool
    var codes: String
    var reasons: String
    var facesFound: Int?
    var interEyePixels: Double?
    var sharpness: Double?
    var brightness: Double?
    var yaw: Double?
}
