import Foundation

/// A person's state as they are told it (`GET /v1/persons/{id}/status`): never another person's
/// data, never an evidence payload.
public struct PersonStatus: Sendable, Equatable {
    /// The evidence that last carried the person (certified or resumed them).
    public struct Carried: Sendable, Equatable {
        public var kind: String
        public var day: Day
        /// The department that reported it (the kind's source).
        public var source: String

        public init(kind: String, day: Day, source: String) {
            self.kind = kind
            self.day = day
            self.source = source
        }
    }

    public var personID: String
    public var unitCode: String
    public var ledger: PersonLedger
    public var lastEvidence: Carried?
    /// The person's open appeal, if any.
    public var openAppeal: Appeal?

    public init(personID: String, unitCode: String, ledger: PersonLedger, lastEvidence: Carried?, openAppeal: Appeal?) {
        self.personID = personID
        self.unitCode = unitCode
        self.ledger = ledger
        self.lastEvidence = lastEvidence
        self.openAppeal = openAppeal
    }
}

/// Appeals against a suspension or a death record, with a clock, and the person's own status
/// (docs/ledger.md, "Appeals"). `scope` is a unit path: a person outside it is answered as none.
public protocol AppealStore: Sendable {
    /// The person's status, within `scope`.
    func personStatus(_ id: ResidentID, scope: String?) async throws -> PersonStatus
    /// Whether `key` recorded a verified face check of the person from `device` at or after
    /// `since` (ISO 8601): what lets a kiosk or the mobile backend ask about them.
    func verifiedRecently(person: ResidentID, key: String, device: String, since: String) async throws -> Bool
    /// Files an appeal (the person must be suspended or deceased, with no open appeal); the appellant
    /// is sent an `appeal_received` notice.
    func fileAppeal(_ filing: AppealFiling, scope: String?, on day: Day) async throws -> Appeal
    /// The appeals of persons in the unit's subtree (or of one person), newest first.
    func appeals(unit: String, status: Appeal.Status?, person: String?) async throws -> [Appeal]
    func appeal(_ id: Int64, scope: String?) async throws -> Appeal
    /// Decides an appeal: rejected at once; upheld asks a second operator (reinstate or
    /// reverse_death) and is upheld when they approve. Returns the appeal and the request made.
    func resolveAppeal(_ id: Int64, outcome: Appeal.Outcome, reason: String, by actor: String, scope: String?, on day: Day)
        async throws -> (appeal: Appeal, request: Decision?)
}
