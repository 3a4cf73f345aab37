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
        self.monthlyAmountFen = monthlyAmountFen
        backPayMonths = 0
    }

    /// Applies one recorded change (made before `month` began). A suspension stops payment from
    /// the next month's payroll; a resumption restarts it from the month after, paying the owed
    /// months with it; a death stops it for good (nothing recorded after it, in any order, pays
    /// again). Other kinds do not touch payment.
    public mutating func apply(_ kind: LedgerChange.Kind, on day: Day, backPayMonths owed: Int?, for month: Month) {
        guard status != .deceased else { return }
        switch kind {
        case .suspended: status = .suspended
        case .deceased: status = .deceased
        case .resumed:
            status = .active
            backPayMonths = Month(day).next == month ? (owed ?? 0) : 0
        case .certified, .conflict, .warning, .fieldCheck, .attention, .voided, .edited: break
        }
        payable = status == .active
    }
}
