/// The rule of "paid exactly once": which months a payroll run pays a person, from the ledger as it
/// stands on the run's day and the months stored runs have already paid them. Pure; storage keeps
/// the runs, their lines (one per person and month, never edited) and the recovery cases.
///
/// A month is owed from the person's first payable month (the first stored run's month, or the
/// month they entered the ledger if later) to the last month they are payable now:
/// - active: through the run's month;
/// - suspended on a day: through that day's month (its payroll fell before the suspension); the
///   months after it are owed again, as back pay, once the person certifies or is reinstated;
/// - under a payment hold made on a day: through that day's month, until the hold ends;
/// - deceased: nothing more is paid (arrears to an estate are settled outside the ledger), and
///   every month paid after the month of death is claimed back by a recovery case.
/// Each owed month not yet paid in a stored run is paid once: the run's own month as regular pay,
/// an earlier one as back pay, whenever the evidence that made it owed arrived.
public enum Payroll {
    /// What a run needs to know of one person.
    public struct Standing: Sendable, Equatable {
        public var status: PersonLedger.Status
        public var suspendedOn: Day?
        public var deathDay: Day?
        /// The day a payment hold in force was made, if any.
        public var heldSince: Day?
        /// The first month payable to the person: the first stored run's month or their entry month.
        public var firstMonth: Month

        public init(status: PersonLedger.Status, suspendedOn: Day?, deathDay: Day?, heldSince: Day?, firstMonth: Month) {
            self.status = status
            self.suspendedOn = suspendedOn
            self.deathDay = deathDay
            self.heldSince = heldSince
            self.firstMonth = firstMonth
        }
    }

    /// One month a run pays.
    public struct Payment: Sendable, Equatable {
        public enum Kind: String, Sendable, Codable { case regular, backPay = "back_pay" }
        public var month: Month
        public var kind: Kind
    }

    /// The last month payable now for a run of `run`, or nil when nothing is.
    public static func lastPayable(_ person: Standing, run: Month) -> Month? {
        guard person.status != .deceased else { return nil }
        var last = run
        if person.status == .suspended {
            // A suspension with no day (a record edited behind the service) pays nothing, not everything.
            guard let since = person.suspendedOn else { return nil }
            last = min(last, Month(since))
        }
        if let held = person.heldSince { last = min(last, Month(held)) }
        return last < person.firstMonth ? nil : last
    }

    /// The months a run of `run` pays the person: every payable month not in `paid`, in order.
    public static func payments(_ person: Standing, run: Month, paid: Set<Month>) -> [Payment] {
        guard let last = lastPayable(person, run: run) else { return [] }
        var payments: [Payment] = []
        var month = person.firstMonth
        while month <= last {
            if !paid.contains(month) { payments.append(Payment(month: month, kind: month == run ? .regular : .backPay)) }
            month = month.next
        }
        return payments
    }

    /// The months paid after a recorded death (the death's own month was owed: payroll pays on the
    /// first day), to be claimed back.
    public static func paidAfterDeath(_ death: Day, paid: some Sequence<Month>) -> [Month] {
        paid.filter { $0 > Month(death) }.sorted()
    }

    /// Why a line is paid, for the auditor: the person's certification on the run's day (short:
    /// a city's run stores two million of them a month).
    public static func reason(_ payment: Payment, deadline: Day, lastCertified: Day?) -> String {
        let certified = lastCertified.map { "certified \($0), " } ?? ""
        switch payment.kind {
        case .regular: return "\(certified)deadline \(deadline)"
        case .backPay: return "owed, unpaid before; \(certified)deadline \(deadline)"
        }
    }
}

extension Month {
    /// The months from `self` through `last`, in order (empty when `last` is earlier).
    public func through(_ last: Month) -> [Month] {
        var months: [Month] = []
        var month = self
        while month <= last {
            months.append(month)
            month = month.next
        }
        return months
    }
}

extension Payroll {
    /// The months a supplementary run on top of the latest monthly run `latest` pays the person:
    /// every month up to `latest` they are payable for now and were not paid (a resumption's,
    /// a reinstatement's or a released hold's back pay), each as back pay. Months after `latest`
    /// are the next monthly run's, so the two kinds of run never compete for a month; only an
    /// active person is paid (a suspended, held-from-then or deceased one waits for their
    /// evidence or decision). The resumption receipt names these months
    /// (``LedgerStore/backPayMonths(of:_:)`` reads the standing and calls this).
    public static func supplementaryPayments(_ person: Standing, latest: Month, paid: Set<Month>) -> [Payment] {
        guard person.status == .active else { return [] }
        return payments(person, run: latest, paid: paid).map { Payment(month: $0.month, kind: .backPay) }
    }

    /// The day a resumed person's back pay is due: `back_pay_days` after the resumption.
    public static func backPayDue(resumedOn day: Day, rules: LedgerRules) -> Day {
        day.adding(days: rules.data_retention.back_pay_days)
    }
}
