import Foundation

/// Everything a verification reads before the engine runs, in one read: the person, the lock of
/// the device, and the person's opened template (nil: not enrolled). A person is never locked:
/// their failures open a field check instead (``VerificationStore/record(_:tag:escalateAfter:respond:)``).
public struct VerificationState: Sendable {
    public var person: PersonRecord?
    public var deviceLock: LockState
    public var template: [[Float]]?

    public init(person: PersonRecord?, deviceLock: LockState, template: [[Float]]?) {
        self.person = person
        self.deviceLock = deviceLock
        self.template = template
    }
}

/// One verification attempt as decided by the server.
public struct VerificationAttempt: Sendable, Equatable {
    public enum Decision: String, Sendable { case verified, notVerified = "not_verified", retry, locked }
    public var person: ResidentID
    public var keyID: String
    /// The device the lockout counts against: a kiosk's key, or the mobile backend's key with the
    /// phone it names (``VerificationAttempt/device(key:kiosk:phone:person:)``).
    public var device: String
    public var decision: Decision
    public var distance: Double?
    public var reasons: [String]
    /// When a face was compared: how it was decided, the score under that rule (the distance, or
    /// the cohort-normalized z-value) and the threshold it was held to.
    public var comparison: Comparison?
    /// The biometric evidence kind a success is recorded as.
    public var evidenceKind: String
    /// What the evidence row keeps beside the match (liveness outcome, session, distance), JSON.
    public var evidencePayload: String?
    /// Who helped, when not the person alone.
    public var assistance: Assistance?
    /// An assisted attempt: the visit task whose code the worker stated (checked before the
    /// engine ran); its person's open home visits and field checks close as seen alive on success.
    public var visitTaskID: Int64?

    public init(
        person: ResidentID, keyID: String, device: String? = nil, decision: Decision, distance: Double?, reasons: [String],
        evidenceKind: String
    ) {
        self.person = person
        self.keyID = keyID
        self.device = device ?? keyID
        self.decision = decision
        self.distance = distance
        self.reasons = reasons
        self.evidenceKind = evidenceKind
    }
}

extension VerificationAttempt {
    /// The biometric kind an assisted verification (a community worker's staff key) is recorded as.
    public static let assistedKind = "assisted_verification"

    /// Who helped the person through a session (still the person's own live face, matched
    /// against their template): recorded on the attempt (`mode`) and on the evidence's payload.
    public enum Assistance: Sendable, Equatable {
        /// A community worker's device at the person's home: the worker (``ActorID``: their holder
        /// through their staff key).
        case assisted(worker: String)
        /// A relative's phone in the app: the relative as they gave themselves (name, relation).
        case byRelative(relative: String)

        /// As the attempt's `mode` column records it.
        public var mode: String {
            switch self {
            case .assisted: "assisted"
            case .byRelative: "by_relative"
            }
        }
    }

    /// How a compared face was decided.
    public struct Comparison: Sendable, Equatable {
        public enum Rule: String, Sendable { case distance, cohort }
        public var rule: Rule
        public var score: Double
        public var threshold: Double

        public init(rule: Rule, score: Double, threshold: Double) {
            self.rule = rule
            self.score = score
            self.threshold = threshold
        }
    }

    /// The device a lockout counts against. A kiosk is its key. The mobile backend's one key serves
    /// every phone: the phone it names (`X-FastCert-Device`) is the device, and when it names none,
    /// the person asked about is, so that no one's failures lock anyone else's phone.
    public static func device(key: String, kiosk: Bool, phone: String?, person: ResidentID) -> String {
        kiosk ? key : key + "/" + (phone.map { "device:" + $0 } ?? "person:" + person.value)
    }
}

/// What recording an attempt did to the ledger.
public struct AttemptOutcome: Sendable, Equatable {
    public var attemptID: Int64
    public var ledger: PersonLedger?
    public var changes: [String: Int]
    /// The person's consecutive failures reached a multiple of the limit: a field check was opened.
    public var fieldCheckOpened: Bool

    public init(attemptID: Int64, ledger: PersonLedger?, changes: [String: Int], fieldCheckOpened: Bool = false) {
        self.attemptID = attemptID
        self.ledger = ledger
        self.changes = changes
        self.fieldCheckOpened = fieldCheckOpened
    }
}
