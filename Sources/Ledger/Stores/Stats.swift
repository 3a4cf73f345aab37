import Foundation

/// The counts behind a unit's month of ``UnitStats`` over its subtree: what is stored (the shares
/// are divided when read, as the live computation divides them).
public struct MonthCounts: Sendable, Equatable {
    public var persons = 0
    public var silent = 0
    public var reminded = 0
    public var fieldChecks = 0
    public var suspensions = 0
    public var strong = 0
    public var certifiedByClass: [String: Int] = [:]

    public mutating func add(_ other: MonthCounts) {
        persons += other.persons
        silent += other.silent
        reminded += other.reminded
        fieldChecks += other.fieldChecks
        suspensions += other.suspensions
        strong += other.strong
        certifiedByClass.merge(other.certifiedByClass, uniquingKeysWith: +)
    }

    public init(
        persons: Int = 0, silent: Int = 0, reminded: Int = 0, fieldChecks: Int = 0, suspensions: Int = 0, strong: Int = 0,
        certifiedByClass: [String: Int] = [:]
    ) {
        self.persons = persons
        self.silent = silent
        self.reminded = reminded
        self.fieldChecks = fieldChecks
        self.suspensions = suspensions
        self.strong = strong
        self.certifiedByClass = certifiedByClass
    }
}

/// A unit's month as stored.
public struct MonthlyStats: Sendable, Equatable {
    public var stats: UnitStats
    /// When the figures were computed (UTC, ISO 8601).
    public var computedAt: String
    /// History of the month changed after they were computed; the next sweep recomputes them.
    public var stale: Bool

    public init(stats: UnitStats, computedAt: String, stale: Bool) {
        self.stats = stats
        self.computedAt = computedAt
        self.stale = stale
    }
}

/// The article's "three forms" for a unit and a month: who was certified silently, who was
/// reminded, who needed a field check; and certifications by evidence class.
public struct UnitStats: Sendable, Equatable {
    public var unit: String
    public var month: Month
    /// Persons in the ledger (enrolled before the month ended) and alive at the month's end.
    public var persons: Int
    /// Share certified in the twelve months ending with `month` with no reminder, no field check,
    /// visit or call, and no suspension in them.
    public var silentShare: Double
    /// Share warned (and reminded) during the month.
    public var remindedShare: Double
    /// Field-check tasks opened during the month.
    public var fieldChecks: Int
    /// Suspensions during the month.
    public var suspensions: Int
    /// Certifications during the month by the class of the evidence behind them
    /// (`reference` covers the behaviour model).
    public var certifiedByClass: [String: Int]
    /// Share of the persons alive at the month's end whose latest certification dated by then
    /// came from strong evidence (the article: 65% of those certified). Dated by the month's
    /// end, so a month's figures once over change only when history is corrected.
    public var strongShare: Double
    /// Overpayment recovery cases of the unit, by status, with their amounts: today's, whatever
    /// the month (cases are open or closed now, not in a month).
    public var recoveries: RecoveryTotals

    public init(
        unit: String, month: Month, persons: Int, silentShare: Double, remindedShare: Double, fieldChecks: Int, suspensions: Int,
        certifiedByClass: [String: Int], strongShare: Double, recoveries: RecoveryTotals
    ) {
        self.unit = unit
        self.month = month
        self.persons = persons
        self.silentShare = silentShare
        self.remindedShare = remindedShare
        self.fieldChecks = fieldChecks
        self.suspensions = suspensions
        self.certifiedByClass = certifiedByClass
        self.strongShare = strongShare
        self.recoveries = recoveries
    }
}
