import Foundation

/// An overpayment recovery case: the months stored runs paid after a recorded death, to be
/// claimed back.
public struct Recovery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// claimed, not yet settled
        case open
        /// the money came back
        case recovered
        /// an operator gave it up, with a reason
        case waived
        /// the death was reversed: nothing was overpaid
        case cancelled
    }

    public var id: Int64
    public var personID: String
    public var name: String
    public var unitCode: String
    public var deathDay: Day
    public var months: [Month]
    /// The runs that paid those months.
    public var runs: [Month]
    public var amountFen: Int
    public var cause: String
    public var status: Status
    public var openedAt: String
    public var openedBy: String
    public var closedOn: Day?
    public var closedBy: String?
    public var closeReason: String?

    /// The columns of the CSV export (the CLI's and the route's).
    public static let csvHeader = [
        "id", "resident_id", "name", "unit_code", "death_day", "months", "runs", "amount", "status", "opened_at", "opened_by",
        "closed_on",
        "closed_by", "close_reason", "cause",
    ]
    public var csvCells: [String] {
        [
            String(id), personID, name, unitCode, deathDay.description, months.map(\.description).joined(separator: " "),
            runs.map(\.description).joined(separator: " "), Yuan.text(fen: amountFen), status.rawValue, openedAt, openedBy,
            closedOn?.description ?? "", closedBy ?? "", closeReason ?? "", cause,
        ]
    }

    public init(
        id: Int64, personID: String, name: String, unitCode: String, deathDay: Day, months: [Month], runs: [Month], amountFen: Int,
        cause: String, status: Status, openedAt: String, openedBy: String, closedOn: Day? = nil, closedBy: String? = nil,
        closeReason: String? = nil
    ) {
        self.id = id
        self.personID = personID
        self.name = name
        self.unitCode = unitCode
        self.deathDay = deathDay
        self.months = months
        self.runs = runs
        self.amountFen = amountFen
        self.cause = cause
        self.status = status
        self.openedAt = openedAt
        self.openedBy = openedBy
        self.closedOn = closedOn
        self.closedBy = closedBy
        self.closeReason = closeReason
    }
}

/// Totals of a unit's recovery cases, by status.
public struct RecoveryTotals: Sendable, Equatable {
    public var open = 0, openFen = 0
    public var recovered = 0, recoveredFen = 0
    public var waived = 0, waivedFen = 0

    public init() {}
}
