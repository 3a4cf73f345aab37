import Foundation

/// An operator's decision beyond the data, with its reason and the actors who asked and decided.
public struct Decision: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case resolveConflict = "resolve_conflict", reverseDeath = "reverse_death", reinstate, extend, hold

        /// Reversing a death and lifting a suspension can send money to someone: a second
        /// operator must approve them.
        public var needsSecondOperator: Bool { self == .reverseDeath || self == .reinstate }
    }

    public var id: Int64
    public var personID: String
    public var name: String
    public var unitCode: String
    public var kind: Kind
    /// The conflict resolved (``Kind/resolveConflict``).
    public var conflictID: Int64?
    /// evidence_rejected, death_disputed or death_reversed (``Kind/resolveConflict``).
    public var outcome: String?
    /// The new deadline (``Kind/extend``) or the hold's expiry (``Kind/hold``).
    public var until: Day?
    public var reason: String
    /// pending, approved, rejected (four eyes); in_force, ended (holds); done.
    public var status: String
    public var requestedBy: String
    public var requestedOn: Day
    public var decidedBy: String?
    public var decidedOn: Day?
    public var decisionReason: String?
    /// The version of the rules it was made under (nil: before the rules were versioned).
    public var rulesVersion: Int?

    public init(
        id: Int64, personID: String, name: String, unitCode: String, kind: Kind, conflictID: Int64? = nil, outcome: String? = nil,
        until: Day? = nil, reason: String, status: String, requestedBy: String, requestedOn: Day, decidedBy: String? = nil,
        decidedOn: Day? = nil, decisionReason: String? = nil, rulesVersion: Int? = nil
    ) {
        self.id = id
        self.personID = personID
        self.name = name
        self.unitCode = unitCode
        self.kind = kind
        self.conflictID = conflictID
        self.outcome = outcome
        self.until = until
        self.reason = reason
        self.status = status
        self.requestedBy = requestedBy
        self.requestedOn = requestedOn
        self.decidedBy = decidedBy
        self.decidedOn = decidedOn
        self.decisionReason = decisionReason
        self.rulesVersion = rulesVersion
    }
}

/// A conflict: a sign of life after a recorded death, for the person's unit to resolve.
public struct Conflict: Sendable, Equatable {
    /// The conflict's ledger event.
    public var id: Int64
    public var personID: String
    public var name: String
    public var unitCode: String
    public var day: Day
    public var cause: String
    /// How it was resolved, or nil while open.
    public var resolution: Decision?

    public init(id: Int64, personID: String, name: String, unitCode: String, day: Day, cause: String, resolution: Decision? = nil) {
        self.id = id
        self.personID = personID
        self.name = name
        self.unitCode = unitCode
        self.day = day
        self.cause = cause
        self.resolution = resolution
    }
}

/// What an operator found about a conflict.
public enum ConflictOutcome: String, Sendable, CaseIterable {
    /// The death stands: the evidence was someone else using the person's card, phone or
    /// account, or a department's mistake (the months paid after the death are to be recovered).
    case evidenceRejected = "evidence_rejected"
    /// The person may be alive: the resolution asks a second operator to reverse the death.
    case deathDisputed = "death_disputed"
}
