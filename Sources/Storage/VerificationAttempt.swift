import Foundation
import Ledger

/// Everything a verification reads before the engine runs, in one read: the person, the locks
/// of the person and the device, and the person's opened template (nil: not enrolled).
public struct VerificationState: Sendable {
    public var person: PersonRecord?
    public var personLock: LockState
    public var deviceLock: LockState
    public var template: [[Float]]?

    public init(person: PersonRecord?, personLock: LockState, deviceLock: LockState, template: [[Float]]?) {
        self.person = person
        self.personLock = personLock
        self.deviceLock = deviceLock
        self.template = template
    }
}

/// One verification attempt as decided by the server.
public struct VerificationAttempt: Sendable, Equatable {
    public enum Decision: String, Sendable { case verified, notVerified = "not_verified", retry, locked }
    public var person: ResidentID
    public var keyID: String
    public var decision: Decision
    public var distance: Double?
    public var reasons: [String]
    /// The biometric evidence kind a success is recorded as.
    public var evidenceKind: String
    /// What the evidence row keeps beside the match (liveness outcome, session, distance), JSON.
    public var evidencePayload: String?

    public init(person: ResidentID, keyID: String, decision: Decision, distance: Double?, reasons: [String], evidenceKind: String) {
        self.person = person
        self.keyID = keyID
        self.decision = decision
        self.distance = distance
        self.reasons = reasons
        self.evidenceKind = evidenceKind
    }
}

/// What recording an attempt did to the ledger.
public struct AttemptOutcome: Sendable, Equatable {
    public var attemptID: Int64
    public var ledger: PersonLedger?
    public var changes: [String: Int]

    public init(attemptID: Int64, ledger: PersonLedger?, changes: [String: Int]) {
        self.attemptID = attemptID
        self.ledger = ledger
        self.changes = changes
    }
}
