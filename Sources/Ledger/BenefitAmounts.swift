/// A person's benefit amount over time, and the rules of changing it (issue 29, part 4): an amount
/// or level change is a four-eyes request with a reason and an effective month; payroll pays each
/// month at the amount in force for that month, back pay included. Pure: storage keeps the history
/// (the amount a person entered the ledger with, then each approved change from its month).
public enum BenefitAmounts {
    /// An amount from a month on.
    public struct Entry: Sendable, Equatable {
        public var from: Month
        public var fen: Int

        public init(from: Month, fen: Int) {
            self.from = from
            self.fen = fen
        }
    }

    /// How far from the month of the request an effective month may lie: a change reaches back at
    /// most a year (older arrears are settled outside the ledger) and is decided at most a year ahead.
    public static let maxMonthsBack = 12
    public static let maxMonthsAhead = 12

    /// The amount in force for `month`: the last entry (in the order they were approved) that takes
    /// effect on or before it, so a later decision for the same month supersedes an earlier one.
    /// Before the first entry (no month is paid before enrolment), the first entry's amount; nil
    /// for an empty history.
    public static func inForce(_ month: Month, _ history: [Entry]) -> Int? {
        var found: Entry?
        for entry in history where entry.from <= month {
            if found.map({ entry.from >= $0.from }) ?? true { found = entry }
        }
        return (found ?? history.first)?.fen
    }

    /// The effective month of a change asked on `day`, from `text` (YYYY-MM): refused
    /// (`invalid_decision`) when unreadable, before the person entered the ledger (`enrolled`),
    /// more than ``maxMonthsBack`` before or ``maxMonthsAhead`` after the month of `day`, or on or
    /// before the last month already paid to the person (`lastPaid`): payroll lines are never
    /// edited, so a change cannot reach a month that was paid.
    public static func effectiveMonth(_ text: String, on day: Day, enrolled: Day, lastPaid: Month?) throws(LedgerError) -> Month {
        guard let month = Month(text.trimmingCharacters(in: .whitespaces)) else {
            throw LedgerError(.invalidDecision, "effective_month '\(text)' is not a YYYY-MM month")
        }
        let now = Month(day)
        guard month >= Month(enrolled) else {
            throw LedgerError(.invalidDecision, "effective month \(month) is before the person entered the ledger (\(Month(enrolled)))")
        }
        guard month.months(to: now) <= maxMonthsBack else {
            throw LedgerError(
                .invalidDecision, "effective month \(month) is too far back: at most \(maxMonthsBack) months before \(now)")
        }
        guard now.months(to: month) <= maxMonthsAhead else {
            throw LedgerError(
                .invalidDecision, "effective month \(month) is too far ahead: at most \(maxMonthsAhead) months after \(now)")
        }
        try checkUnpaid(month, lastPaid: lastPaid)
        return month
    }

    /// A change from `month` on is refused (`person_state`) when `lastPaid`, the last month a
    /// stored run paid the person, is not before it (asked again at approval: a run may have paid
    /// it since the request).
    public static func checkUnpaid(_ month: Month, lastPaid: Month?) throws(LedgerError) {
        if let lastPaid, lastPaid >= month {
            throw LedgerError(
                .personState,
                "\(month) is already paid (through \(lastPaid)); paid lines are never edited: a change takes effect from \(lastPaid.next) at the earliest"
            )
        }
    }

    /// What a change asks, in words, for its request event; refused (`invalid_decision`) when it
    /// changes nothing.
    public static func describe(
        level: (from: String, to: String)?, fen: (from: Int, to: Int)?, from month: Month
    ) throws(LedgerError) -> String {
        var parts: [String] = []
        if let fen, fen.from != fen.to { parts.append("change the amount from \(Yuan.text(fen: fen.from)) to \(Yuan.text(fen: fen.to))") }
        if let level, level.from != level.to { parts.append("change the benefit level from \(level.from) to \(level.to)") }
        guard !parts.isEmpty else {
            throw LedgerError(.invalidDecision, "the change asks for the amount and level the person already has")
        }
        return parts.joined(separator: " and ") + " from \(month)"
    }
}

/// A correction of a person's identity details (a name or birth date entered wrongly), a
/// four-eyes request like a benefit change. The service period depends on the benefit level only:
/// a corrected birth date leaves the deadline where it is, and changes only what reads the age
/// (attention at the rules' `min_age`, home visits for those living alone from
/// `home_visit_age_living_alone`), from the next sweep on.
public enum PersonCorrection {
    /// The corrected name (trimmed, 1 to 100 characters) and birth date of the person `id`:
    /// refused when neither changes anything, the name is empty or too long (`invalid_name`), or
    /// the birth date is unreadable, after `day`, before 1900, after the earliest evidence about
    /// the person (that evidence could not be theirs), or not the date the resident ID holds
    /// (``ResidentID/checkBirthDate(_:)``, as an import checks it), all `invalid_birth_date`. The
    /// ID is the person's key and never changes, so what is checked at the request holds at the
    /// approval.
    public static func check(
        id: ResidentID, name: String?, birthDate: String?, current: (name: String, birthDate: Day), earliestEvidence: Day?,
        on day: Day
    ) throws(LedgerError) -> (name: String?, birthDate: Day?, what: String) {
        var parts: [String] = []
        var newName: String?
        if let name {
            let trimmed = PersonInput.trimmedWhitespace(name)
            guard !trimmed.isEmpty, trimmed.count <= 100 else { throw LedgerError(.invalidName, "the name must be 1 to 100 characters") }
            if trimmed != current.name {
                newName = trimmed
                parts.append("correct the name")
            }
        }
        var newBirth: Day?
        if let birthDate {
            guard let birth = Day(birthDate.trimmingCharacters(in: .whitespaces)) else {
                throw LedgerError(.invalidBirthDate, "birth_date '\(birthDate)' is not a YYYY-MM-DD date")
            }
            guard birth <= day, birth.year >= 1900 else {
                throw LedgerError(.invalidBirthDate, "birth date \(birth) is not a possible birth date on \(day)")
            }
            if let earliestEvidence, birth > earliestEvidence {
                throw LedgerError(
                    .invalidBirthDate, "birth date \(birth) is after evidence about the person observed on \(earliestEvidence)")
            }
            try id.checkBirthDate(birth)
            if birth != current.birthDate {
                newBirth = birth
                parts.append("correct the birth date from \(current.birthDate) to \(birth)")
            }
        }
        guard !parts.isEmpty else { throw LedgerError(.invalidDecision, "the correction changes neither the name nor the birth date") }
        return (newName, newBirth, parts.joined(separator: " and "))
    }
}
