import Foundation

/// One photo of an enrollment as it is kept: its hash and how it was judged, never the image or
/// its embedding.
public struct EnrollmentPhoto: Sendable, Equatable, Codable {
    public var sha256: String
    public var accepted: Bool
    public var codes: [String]
    public var reasons: [String]
    public var facesFound: Int?
    public var interEyePixels: Double?
    public var sharpness: Double?
    public var brightness: Double?
    public var yaw: Double?

    public init(
        sha256: String, accepted: Bool, codes: [String], reasons: [String], facesFound: Int? = nil, interEyePixels: Double? = nil,
        sharpness: Double? = nil, brightness: Double? = nil, yaw: Double? = nil
    ) {
        self.sha256 = sha256
        self.accepted = accepted
        self.codes = codes
        self.reasons = reasons
        self.facesFound = facesFound
        self.interEyePixels = interEyePixels
        self.sharpness = sharpness
        self.brightness = brightness
        self.yaw = yaw
    }
}

/// Something that happened to a person's enrollment.
public struct EnrollmentEvent: Sendable, Equatable, Codable {
    public var action: String
    public var photos: Int
    public var actor: String
    public var at: String
    public var detail: String?

    public init(action: String, photos: Int, actor: String, at: String, detail: String? = nil) {
        self.action = action
        self.photos = photos
        self.actor = actor
        self.at = at
        self.detail = detail
    }
}

/// What is enrolled for a person: when, by whom, from which photos, and the history.
public struct EnrollmentRecord: Sendable, Equatable {
    public var person: ResidentID
    public var unitCode: String
    public var unitPath: String
    /// Reference photos in the current template (0: not enrolled).
    public var referencePhotos: Int
    public var enrolledAt: String?
    public var enrolledBy: String?
    /// The photos of the current enrollment, in the order given (accepted and rejected).
    public var photos: [EnrollmentPhoto]
    public var events: [EnrollmentEvent]

    public init(
        person: ResidentID, unitCode: String, unitPath: String, referencePhotos: Int, enrolledAt: String?, enrolledBy: String?,
        photos: [EnrollmentPhoto], events: [EnrollmentEvent]
    ) {
        self.person = person
        self.unitCode = unitCode
        self.unitPath = unitPath
        self.referencePhotos = referencePhotos
        self.enrolledAt = enrolledAt
        self.enrolledBy = enrolledBy
        self.photos = photos
        self.events = events
    }
}

/// A line of the enrollment list.
public struct EnrollmentSummary: Sendable, Equatable {
    public var person: ResidentID
    public var unitCode: String
    public var referencePhotos: Int
    public var enrolledAt: String
    public var enrolledBy: String

    public init(person: ResidentID, unitCode: String, referencePhotos: Int, enrolledAt: String, enrolledBy: String) {
        self.person = person
        self.unitCode = unitCode
        self.referencePhotos = referencePhotos
        self.enrolledAt = enrolledAt
        self.enrolledBy = enrolledBy
    }
}
