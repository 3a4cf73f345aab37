import Foundation

/// A refund case: money recovered from a person (a recovery case closed `recovered`) whose death
/// was then reversed by two operators. The months claimed were owed after all, so what was claimed
/// is owed back to them; the case stays open until the money is paid back outside the ledger.
public struct Refund: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// owed, not yet paid back
        case open
        /// paid back
        case paid
    }

    public var id: Int64
    public var personID: String
    public var name: String
    public var unitCode: String
    /// The recovery case whose recovered amount is owed back.
    public var recoveryID: Int64
    public var amountFen: Int
    public var cause: String
    public var status: Status
    public var openedAt: String
    /// The operator who approved the reversal.
    public var openedBy: String

    public init(
        id: Int64, personID: String, name: String, unitCode: String, recoveryID: Int64, amountFen: Int, cause: String, status: Status,
        openedAt: String, openedBy: String
    ) {
        self.id = id
        self.personID = personID
        self.name = name
        self.unitCode = unitCode
        self.recoveryID = recoveryID
        self.amountFen = amountFen
        self.cause = cause
        self.status = status
        self.openedAt = openedAt
        self.openedBy = openedBy
    }
}
