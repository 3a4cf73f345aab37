import Ledger

/// Who asks for a verification: a kiosk device or the mobile backend, by its key, within its unit.
public struct Caller: Sendable, Equatable {
    /// The channel a verification came through; it names the biometric evidence kind recorded.
    public enum Channel: String, Sendable {
        case kiosk, mobile

        /// The evidence kind a successful verification is recorded as.
        public var evidenceKind: String { self == .kiosk ? "face_verification_kiosk" : "face_verification_mobile" }
    }

    /// The key's public id (recorded with every attempt and used for the device's lockout).
    public var keyID: String
    public var channel: Channel
    public var unitCode: String
    /// The unit's path: the caller may verify persons whose community lies under it.
    public var unitPath: String

    public init(keyID: String, channel: Channel, unitCode: String, unitPath: String) {
        self.keyID = keyID
        self.channel = channel
        self.unitCode = unitCode
        self.unitPath = unitPath
    }

    /// The caller an API key stands for (kiosk keys verify as kiosks, every other key as the mobile channel).
    public init(key: APIKey) {
        self.init(keyID: key.id, channel: key.role == .kiosk ? .kiosk : .mobile, unitCode: key.unitCode, unitPath: key.unitPath)
    }

    /// True when the person's community lies under the caller's unit.
    public func covers(_ person: PersonRecord) -> Bool { person.unitPath.hasPrefix(unitPath) }
}
