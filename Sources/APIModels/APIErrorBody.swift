import Certification
import Foundation

/// The one error shape, `{"error": {"code", "message", "photos"?, "duplicates"?, "request_id"?}}`,
/// for the service that encodes it and the command line's remote mode that decodes it.
public struct APIErrorBody: Codable, Sendable {
    public struct Detail: Codable, Sendable {
        public var code: String
        public var message: String
        /// Enrollment: what happened to each photo.
        public var photos: [PhotoResult]?
        /// Enrollment refused as a duplicate identity: the persons the face is already enrolled as.
        public var duplicates: [Enroller.Duplicate]?
        /// Enrollment refused as photos of different people: the two photos (0-based).
        public var disagreeing: [Int]?
        /// A fault of the service (500, 503): quote it to the operator; the detail is in the log.
        public var requestId: String?

        public init(
            code: String, message: String, photos: [PhotoResult]? = nil, duplicates: [Enroller.Duplicate]? = nil,
            disagreeing: [Int]? = nil, requestId: String? = nil
        ) {
            self.code = code
            self.message = message
            self.photos = photos
            self.duplicates = duplicates
            self.disagreeing = disagreeing
            self.requestId = requestId
        }
    }
    public var error: Detail

    public init(error: Detail) { self.error = error }
}
