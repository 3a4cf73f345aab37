import Foundation

/// An operator's decision beyond the data, with its reason and the actors who asked and decided.
public struct Decision: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case resolveConflict = "resolve_conflict", reverseDeath = "reverse_death", reinstate, extend, hold
        /// A benefit amount or level from an effective month (issue 29, part 4).
        case changeBenefit = "change_benefit"
        /// A name or birth date corrected.
        case correctPerson = "correct_person"

        /// Reversing a death, lifting a suspension and changing an amount can send money to
        /// someone, and a corrected identity changes who is paid: a second operator must approve them.
        public var needsSecondOperator: Bool { self != .resolveConflict && self != .extend && self != .hold }
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
    /// What a change or a correction asks (``Kind/changeBenefit``, ``Kind/correctPerson``); nil
    /// fields stay as they are.
    public var change: Change?

    /// What a ``Kind/changeBenefit`` or ``Kind/correctPerson`` request asks.
    public struct Change: Sendable, Equatable {
        public var benefitLevel: String?
        public var amountFen: Int?
        public var effectiveMonth: Month?
        public var name: String?
        public var birthDate: Day?

        public init(
            benefitLevel: String? = nil, amountFen: Int? = nil, effectiveMonth: Month? = nil, name: String? = nil, birthDate: Day? = nil
        ) {
            self.benefitLevel = benefitLevel
            self.amountFen = amountFen
            self.effectiveMonth = effectiveMonth
            self.name = name
            self.birthDate = birthDate
        }
    }

    public init(
        id: Int64, personID: String, name: String, unitCode: String, kind: Kind, conflictID: Int64? = nil, outcome: String? = nil,
        until: Day? = nil, reason: String, status: String, requestedBy: String, requestedOn: Day, decidedBy: String? = nil,
        decidedOn: Day? = nil, decisionReason: String? = nil, rulesVersion: Int? = nil, change: Change? = nil
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
        self.change = change
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
