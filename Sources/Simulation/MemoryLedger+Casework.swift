import Ledger

// The simulator ledger's reminders, staff tasks and payroll runs (the state and the evidence in
// MemoryLedger.swift).

extension MemoryLedger {
    // MARK: - Reminders and tasks

    /// The reminders queued since the last call, in the order queued (the sender takes them all).
    /// The visit-code notices queued since the last call (home visits and field checks opened for
    /// persons with a phone or WeChat: a code is never handed to the office that sends the worker),
    /// then none.
    public func drainVisitCodeNotices() -> Int {
        defer { visitCodeNotices = 0 }
        return visitCodeNotices
    }

    public func drainOutbox() -> [(person: Int, deadline: Day, round: Int)] {
        defer { outbox.removeAll() }
        return outbox
    }

    /// Open tasks, by key day, person and kind (an order that does not depend on ids).
    public func open() -> [Task] {
        openByPerson.values.flatMap { $0 }.sorted { ($0.keyDay, $0.person, $0.kind.rawValue) < ($1.keyDay, $1.person, $1.kind.rawValue) }
    }

    public func isOpen(_ task: Task) -> Bool { openByPerson[task.person]?.contains(task) == true }

    public enum Outcome: String, Sendable { case seenAlive = "seen-alive", deceased, unreachable, reached }

    /// What staff found on `day`, as ``LedgerStore/completeTask(_:outcome:on:by:)`` records it: seen
    /// alive is a home visit, deceased a community death report, then the person is re-evaluated.
    public func complete(_ task: Task, outcome: Outcome, on day: Day) {
        today = day
        guard isOpen(task) else { return }
        if task.kind == .fieldCheck, outcome == .unreachable {
            // The store's escalate: a second unreachable answer with no person-to-person check
            // since the first, or one while a rule's hold stops the payment, stays open, escalated.
            if escalated.contains(task) || overdue[task] != nil { return }
            let p = task.person
            if persons[p].heldSince != nil
                || persons[p].lastUnreachable.map({ previous in (persons[p].lastInPerson ?? previous) <= previous }) == true
            {
                escalated.insert(task)
                persons[p].events.append(Event(kind: .attention, day: day, recorded: day, deadline: nil, evidenceClass: nil))
                return
            }
            persons[p].lastUnreachable = max(persons[p].lastUnreachable ?? day, day)
        }
        close(task)
        tasks[task]?.outcome = outcome.rawValue
        let kind: String
        switch outcome {
        case .unreachable, .reached: return
        case .seenAlive: kind = "home_visit"
        case .deceased: kind = "community_death_report"
        }
        guard day >= persons[task.person].birth, let index = kindIndex(kind) else { return }
        apply(Row(person: task.person, kind: index, day: day))
        let horizon = day.adding(months: rules.warning_months)
        if persons[task.person].ledger.status == .active, persons[task.person].ledger.deadline < horizon { sweep(task.person, on: day) }
    }

    // MARK: - Payroll

    /// A stored run of `month` on `day` (``Payroll``): returns the lines paid, their fen, the
    /// back-pay lines and their fen. Each month is paid at the amount in force for it
    /// (``BenefitAmounts/inForce(_:_:)``, the store's rule); the simulated city makes no amount
    /// decisions, so a person's history is the one amount they entered with.
    @discardableResult
    public func runPayroll(month: Month, on day: Day) -> (lines: Int, fen: Int, backPay: Int, backPayFen: Int) {
        // The store's precondition; the simulator never asks for a refused run.
        let epoch = try! Payroll.admit(
            run: month, on: day,
            after: Payroll.RunHistory(
                first: runs.first, latest: runs.last,
                sameMonth: runs.contains(month) ? Payroll.RunHistory.StoredRun(runOn: day, actor: "simulation") : nil))
        runs.append(month)
        var lines = 0, fen = 0, backPay = 0, backPayFen = 0
        for p in persons.indices where persons[p].ledger.status != .deceased {
            let person = persons[p]
            let standing = Payroll.Standing(
                status: person.ledger.status, suspendedOn: person.ledger.suspendedOn, deathDay: person.ledger.deathDay,
                heldSince: person.heldSince,
                firstMonth: max(epoch, Month(person.enrolled)))
            for payment in Payroll.payments(standing, run: month, paid: person.paid) {
                persons[p].paid.insert(payment.month)
                lines += 1
                fen += person.amountFen
                if payment.kind == .backPay {
                    backPay += 1
                    backPayFen += person.amountFen
                }
            }
        }
        return (lines, fen, backPay, backPayFen)
    }

    func claimPaidAfterDeath(_ p: Int, death: Day) {
        let months = Payroll.paidAfterDeath(death, paid: persons[p].paid).filter { !persons[p].claimed.contains($0) }
        // Months paid 0 yuan are not claimed (the store claims only lines of an amount).
        guard !months.isEmpty, persons[p].amountFen > 0 else { return }
        persons[p].claimed.formUnion(months)
        recoveries.append((p, months, months.count * persons[p].amountFen))
    }
}
