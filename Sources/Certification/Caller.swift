import Ledger

/// Who asks for a verification: a kiosk device, the mobile backend, or a community worker's device
/// (a staff key), by its key, within its unit.
public struct Caller: Sendable, Equatable {
    /// The channel a verification came through; it names the biometric evidence kind recorded.
    public enum Channel: String, Sendable {
        case kiosk, mobile
        /// A community worker's device at the person's home (a staff key): an assisted verification.
        case assisted

        /// The evidence kind a successful verification is recorded as.
        public var evidenceKind: String {
            switch self {
            case .kiosk: "face_verification_kiosk"
            case .mobile: "face_verification_mobile"
            case .assisted: VerificationAttempt.assistedKind
            }
        }

        /// Whether the key itself is the device the lockout counts against (a kiosk, a worker's
        /// device); the mobile backend's one key serves every phone.
        public var keyIsDevice: Bool { self != .mobile }
    }

    /// The key's public id (recorded with every attempt and used for the device's lockout).
    public var keyID: String
    public var channel: Channel
    public var unitCode: String
    /// The unit's path: the caller may verify persons whose community lies under it.
    public var unitPath: String
    /// Who acts (``ActorID``): a staff key's worker through their key, else the key.
    public var actor: String

    public init(keyID: String, channel: Channel, unitCode: String, unitPath: String, actor: String? = nil) {
        self.actor = actor ?? keyID
        self.keyID = keyID
        self.channel = channel
        self.unitCode = unitCode
        self.unitPath = unitPath
    }

    /// The caller an API key stands for (kiosk keys verify as kiosks, staff keys as assisted
    /// verifications by their worker, every other key as the mobile channel).
    public init(key: APIKey) {
        let channel: Channel =
            switch key.role {
            case .kiosk: .kiosk
            case .staff: .assisted
            default: .mobile
            }
        self.init(keyID: key.id, channel: channel, unitCode: key.unitCode, unitPath: key.unitPath, actor: key.actor)
    }

    /// True when the person's community lies under the caller's unit.
    public func covers(_ person: PersonRecord) -> Bool { person.unitPath.hasPrefix(unitPath) }
}
