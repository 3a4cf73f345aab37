import Foundation

/// What happened to one uploaded photo.
public struct PhotoResult: Codable, Sendable, Equatable {
    public var index: Int
    public var accepted: Bool
    public var reasons: [String]
    public var codes: [String]
    public var facesFound: Int?
    public var interEyePixels: Double?
    public var sharpness: Double?
    public var brightness: Double?
    public var yaw: Double?
    /// SHA-256 of the photo file (enrollment), so a batch run again recognises photos it has enrolled.
    public var sha256: String?
    /// The passive anti-spoofing "real" score of the face (0...1; low: a screen or a print).
    public var passiveReal: Double?

    public init(
        index: Int, accepted: Bool, reasons: [String], codes: [String], facesFound: Int? = nil, interEyePixels: Double? = nil,
        sharpness: Double? = nil, brightness: Double? = nil, yaw: Double? = nil, sha256: String? = nil, passiveReal: Double? = nil
    ) {
        self.passiveReal = passiveReal
        self.index = index
        self.accepted = accepted
        self.reasons = reasons
        self.codes = codes
        self.facesFound = facesFound
        self.interEyePixels = interEyePixels
        self.sharpness = sharpness
        self.brightness = brightness
        self.yaw = yaw
        self.sha256 = sha256
    }
}
