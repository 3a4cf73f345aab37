import Foundation

/// An alert a community must act on.
public struct Alert: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case warning, fieldCheck = "field-check", suspended, conflict, attention
        /// The latest check of the audit chain found a row that does not match (shown in the
        /// unit of the row's person; to every unit when the row has none).
        case tampering
        /// Another face than the card holder's at cameras twice within the window: the sites and
        /// days, while the attention task it opened is open (never an image).
        case otherFace = "other-face"
        /// A person active again (resumed, reinstated, a hold released) whom the latest monthly
        /// run did not pay: their missed months wait for a supplementary run, due within the
        /// rules' `data_retention.back_pay_days` of the day shown (`payroll run --supplementary`).
        case backPay = "back-pay"
        /// A task still open past its due day, escalated to the street or the district
        /// (`home_help`): shown in the subtree of the unit it went to, as in its community's.
        case overdue
        /// A deadline held for an overdue home visit (not suspended, still paid) while it holds.
        case deadlineHeld = "deadline-held"
        /// An open appeal against a suspension or a death record, on the person's community's list.
        case appeal
        /// An appeal past its due day, escalated to the district by the daily sweep.
        case appealOverdue = "appeal-overdue"
    }

    public var kind: Kind
    public var personID: String
    public var name: String
    public var unitCode: String
    public var day: Day
    public var detail: String

    public init(kind: Kind, personID: String, name: String, unitCode: String, day: Day, detail: String) {
        self.kind = kind
        self.personID = personID
        self.name = name
        self.unitCode = unitCode
        self.day = day
        self.detail = detail
    }
}

/// A unit of the four-level tree.
public struct UnitView: Sendable, Equatable {
    public var code: String
    public var name: String
    public var level: String
    public var parentCode: String?
    /// Persons whose community lies in its subtree.
    public var persons: Int

    public init(code: String, name: String, level: String, parentCode: String? = nil, persons: Int) {
        self.code = code
        self.name = name
        self.level = level
        self.parentCode = parentCode
        self.persons = persons
    }
}

/// A person as operators see them: details, ledger, and the timeline of evidence and changes.
public struct PersonView: Sendable {
    public struct Entry: Sendable, Equatable {
        /// `evidence` or a ``LedgerChange/Kind`` raw value.
        public var kind: String
        public var day: Day
        public var detail: String
        /// Who: the key or operator that delivered the evidence or made the decision, `sweep`,
        /// or nil for rows recorded before provenance was kept.
        public var actor: String?
        /// Ledger events: the version of the rules the change was made under (nil for evidence,
        /// tasks, verifications, and events recorded before the rules were versioned).
        public var rulesVersion: Int?

        /// When it was recorded (ISO 8601), beside the day it is dated: a death dated in March and
        /// recorded in June shows both. Nil for entries the store dates only by day.
        public var recordedAt: String?

        public init(
            kind: String, day: Day, detail: String, actor: String? = nil, rulesVersion: Int? = nil, recordedAt: String? = nil
        ) {
            self.kind = kind
            self.day = day
            self.detail = detail
            self.actor = actor
            self.rulesVersion = rulesVersion
            self.recordedAt = recordedAt
        }
    }

    public var id: ResidentID
    public var name: String
    public var unitCode: String
    public var benefitLevel: String
    public var monthlyAmountFen: Int
    public var ledger: PersonLedger
    public var timeline: [Entry]
    /// Who entered the person into the ledger (``ActorID``) and when (ISO 8601); nil when not
    /// recorded (persons entered before it was, the simulator's ledger).
    public var enteredBy: String?
    public var enteredAt: String?

    public init(
        id: ResidentID, name: String, unitCode: String, benefitLevel: String, monthlyAmountFen: Int, ledger: PersonLedger,
        timeline: [Entry],
        enteredBy: String? = nil, enteredAt: String? = nil
    ) {
        self.id = id
        self.name = name
        self.unitCode = unitCode
        self.benefitLevel = benefitLevel
        self.monthlyAmountFen = monthlyAmountFen
        self.ledger = ledger
        self.timeline = timeline
        self.enteredBy = enteredBy
        self.enteredAt = enteredAt
    }
}
