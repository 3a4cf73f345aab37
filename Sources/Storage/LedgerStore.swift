import Foundation
import GRDB
import Ledger

/// The deferral ledger on an ``AppDatabase``: imports, the sweep and the queries operators need.
/// Every write is one transaction: a batch is applied whole or not at all.
public struct LedgerStore: Sendable {
    public let database: AppDatabase
    public let rules: LedgerRules
    /// The database's version number of ``rules``, recorded on every ledger event and decision this
    /// store writes; nil for rules the database does not hold (a test's own rules).
    public let rulesVersion: Int?
    let deferral: DeferralRules

    /// A store deciding under `rules`, which the database may not hold: for tests and tools. Its
    /// ``rulesVersion`` is the stored version with exactly these rules (the same canonical JSON),
    /// else nil, and its events and decisions record that. The service and the command line open
    /// the rules in force instead (``inForce(database:)``).
    public init(database: AppDatabase, rules: LedgerRules) {
        self.init(database: database, rules: rules, version: Self.storedVersion(of: rules, in: database))
    }

    init(database: AppDatabase, rules: LedgerRules, version: Int?) {
        self.database = database
        self.rules = rules
        rulesVersion = version
        deferral = DeferralRules(rules: rules)
    }

    var writer: any DatabaseWriter { database.writer }

    // MARK: - Persons' ledgers

    /// The ledger columns, in the order ``ledger(_:at:)`` reads them.
    static let ledgerColumns = ledgerColumns(of: nil)

    /// ``ledgerColumns`` qualified by a table alias, for joins.
    static func ledgerColumns(of table: String?) -> String {
        ["status", "service_period_months", "last_certified", "deadline", "suspended_on", "death_day"]
            .map { column in table.map { "\($0).\(column)" } ?? column }.joined(separator: ", ")
    }

    /// A person's ledger from ``ledgerColumns`` selected at `offset`, read by position: the one
    /// positional read of Storage, kept because the sweep and the batch import call it for every
    /// person they walk (millions), where looking six columns up by name costs more than the rest
    /// of the row. Every query that uses it selects ``ledgerColumns`` at a stated offset.
    static func ledger(_ row: Row, at offset: Int) -> PersonLedger {
        PersonLedger(
            status: PersonLedger.Status(rawValue: row[offset]) ?? .active,
            servicePeriodMonths: row[offset + 1],
            lastCertified: (row[offset + 2] as String?).flatMap(Day.init),
            deadline: Day(row[offset + 3] as String)!,
            suspendedOn: (row[offset + 4] as String?).flatMap(Day.init),
            deathDay: (row[offset + 5] as String?).flatMap(Day.init))
    }

    static func save(_ ledger: PersonLedger, person: String, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE person SET status = ?, last_certified = ?, deadline = ?, suspended_on = ?, death_day = ?
                WHERE id = ?
                """
        ).execute(
            arguments: [
                ledger.status.rawValue, ledger.lastCertified?.description, ledger.deadline.description,
                ledger.suspendedOn?.description, ledger.deathDay?.description, person,
            ])
    }

    /// Records each change as a ledger event with the evidence that caused it, the `actor` who
    /// made the decision (the key or operator that delivered the evidence, or `sweep`) and the
    /// rules' `version` it was made under (the store's ``rulesVersion``: the one place events are
    /// written, so every event carries it), and what follows for the money in the same
    /// transaction: a death opens a recovery case for the months stored runs paid after it; a
    /// reversed death cancels the person's open cases and opens a refund case for each recovered one.
    static func record(
        _ changes: [LedgerChange], person: String, evidence: Int64?, actor: String, at now: String, rules version: Int?,
        _ db: Database
    ) throws {
        for change in changes {
            try LedgerEventRow(change, person: person, evidence: evidence, actor: actor, at: now, rules: version).insertFast(db)
            switch change.kind {
            case .deceased: try claimPaidAfterDeath(person, death: change.day, actor: actor, at: now, db)
            case .deathReversed:
                try closeMootAppeals(person, after: change, actor: actor, rules: version, db)
                try cancelRecoveries(person, on: change.day, actor: actor, db)
                try refundRecovered(person, actor: actor, at: now, db)
            case .resumed, .reinstated: try closeMootAppeals(person, after: change, actor: actor, rules: version, db)
            default: break
            }
        }
    }

    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(.iso8601)
    }
}
