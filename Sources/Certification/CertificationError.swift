import Foundation
import Ledger

/// Why a verification or an enrollment was refused before anything was decided, with a stable code
/// and a message a kiosk, the mobile backend or an operator can act on. Store and engine failures
/// pass through as ``LedgerError`` and `FaceEngineError`.
public enum CertificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No such resident ID in the ledger, or none the caller's unit covers (the two are answered
    /// alike, so an ID's existence elsewhere is not told).
    case personNotFound(ResidentID)
    /// The person has no enrolled reference photo.
    case notEnrolled(ResidentID)
    /// The person withdrew their consent to the processing of their face: their template was deleted.
    case consentWithdrawn(ResidentID)
    /// A photo-only verification while match-only verification is off.
    case livenessRequired
    /// Too many failed verifications from the device: wait `seconds`.
    case lockedOut(seconds: Int, party: LockedParty)
    /// Another attempt from the same device is being decided.
    case deviceBusy

    /// Whose failures locked the attempt: only a device is locked (a person's failures open a
    /// field check instead).
    public enum LockedParty: String, Sendable, Equatable {
        case device = "this device"
    }

    /// The stable codes, one per case.
    public enum Code: String, Sendable, CaseIterable {
        case personNotFound = "person_not_found"
        case notEnrolled = "not_enrolled"
        case consentWithdrawn = "not_enrolled_consent_withdrawn"
        case livenessRequired = "liveness_required"
        case lockedOut = "locked_out"
        case deviceBusy = "device_busy"
    }

    public var code: Code {
        switch self {
        case .personNotFound: .personNotFound
        case .notEnrolled: .notEnrolled
        case .consentWithdrawn: .consentWithdrawn
        case .livenessRequired: .livenessRequired
        case .lockedOut: .lockedOut
        case .deviceBusy: .deviceBusy
        }
    }

    public var message: String {
        switch self {
        case .personNotFound(let id): "no person \(id) in this key's unit"
        case .notEnrolled(let id): "\(id) has no enrolled reference photo; an operator must enroll one first"
        case .consentWithdrawn(let id):
            "\(id) withdrew their consent to face verification: certify at a counter, by a home visit or the departments' records"
        case .livenessRequired:
            "send liveness_session and its frames (POST /v1/liveness/sessions first); match-only verification is off"
        case .lockedOut(let seconds, let party):
            "too many failed verifications for \(party.rawValue): try again in \(seconds) s, or ask community staff for help"
        case .deviceBusy: "another verification from this device is still being decided: wait for its answer, then try again"
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
