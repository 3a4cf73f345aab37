/// One person's line in a month's payroll, built by replaying the person's recorded suspensions,
/// resumptions and death before the month's first day (``apply(_:on:backPayMonths:for:)``, in the
/// order they were recorded).
public struct PayrollLine: Sendable, Equatable {
    public var personID: String
    public var name: String
    public var unitCode: String
    /// Status on the first day of the month, from the recorded changes.
    public var status: PersonLedger.Status
    public var payable: Bool
    /// A payment hold is in force on the first day of the month.
    public var held: Bool
    public var monthlyAmountFen: Int
    /// Months owed from a suspension that ended with a certification, paid this month.
    public var backPayMonths: Int
    public var totalFen: Int { (payable ? monthlyAmountFen : 0) + backPayMonths * monthlyAmountFen }

    /// A line for a person with nothing recorded yet: active and payable.
    public init(personID: String, name: String, unitCode: String, monthlyAmountFen: Int) {
        self.personID = personID
        self.name = name
        self.unitCode = unitCode
        status = .active
        payable = true
        held = false
        self.monthlyAmountFen = monthlyAmountFen
        backPayMonths = 0
    }

    /// Applies one recorded change (made before `month` began). A suspension stops payment from
    /// the next month's payroll; a resumption (or a four-eyes reinstatement) restarts it from the
    /// month after, paying the owed months with it; a death stops it for good (nothing recorded
    /// after it, in any order, pays again) unless two operators reversed it; a hold stops payment
    /// while in force, and its release pays the months it held. Other kinds do not touch payment.
    public mutating func apply(_ kind: LedgerChange.Kind, on day: Day, backPayMonths owed: Int?, for month: Month) {
        guard status != .deceased || kind == .deathReversed else { return }
        let paidNow = Month(day).next == month
        switch kind {
        case .suspended: status = .suspended
        case .deceased: status = .deceased
        case .deathReversed: status = .suspended
        case .resumed, .reinstated:
            status = .active
            if paidNow { backPayMonths += owed ?? 0 }
        case .held: held = true
        case .released:
            held = false
            if paidNow { backPayMonths += owed ?? 0 }
        case .certified, .conflict, .warning, .fieldCheck, .attention, .voided, .edited, .resolved, .requested, .rejected, .extended:
            break
        }
        payable = status == .active && !held
    }

    /// The months a hold kept from the person: each month whose first day fell in `(from, to]` on
    /// which the person was otherwise payable, judged from their `events` (in recorded order).
    public static func monthsHeld(_ events: [(kind: LedgerChange.Kind, day: Day)], from: Day, to: Day) -> Int {
        var count = 0
        var month = Month(from).next
        while month.firstDay <= to {
            var line = PayrollLine(personID: "", name: "", unitCode: "", monthlyAmountFen: 0)
            for event in events where event.day < month.firstDay && event.kind != .held && event.kind != .released {
                line.apply(event.kind, on: event.day, backPayMonths: nil, for: month)
            }
            if line.payable { count += 1 }
            month = month.next
        }
        return count
    }
}
