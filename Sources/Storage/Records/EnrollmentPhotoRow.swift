import Foundation
import GRDB

/// A row of `enrollment_photo`: one photo of a person's current enrollment (never the image).
struct EnrollmentPhotoRow: TableRow, Equatable, PersistableRecord {
    static let databaseTableName = "enrollment_photo"

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
