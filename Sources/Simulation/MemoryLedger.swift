import Ledger

/// The deferral ledger in memory, for the simulator: the same pure rules as the SQLite store
/// (``DeferralRules``: the evidence rule itself, with its facts read from compact rows;
/// certification, the behaviour model with its anchor, deaths, the sweep's
/// warnings, field checks and suspensions, health attention, the hidden-death sign; ``Outreach``,
/// ``Reminder``, ``Payroll``), applied in the store's order (a batch person by person, each
/// person's rows in delivery order; the sweep; a task's outcome re-evaluated at once), on compact
/// per-person state instead of tables. `MemoryLedgerTests` drives random cities through both and
/// requires the same ledger, events, tasks, reminders, payroll lines and recovery cases.
///
/// What it leaves out: conflict and voided events (records for operators that change no state),
/// idempotent re-delivery (the simulator never re-delivers; the store's tests cover it), operators'
/// decisions, and reference evidence delivered more than `retentionDays` after it was observed
/// (the behaviour window forgets it; the simulator's feeds arrive within 60 days), and the audit
/// chain (``AuditChain``): its state lives and dies in one process, with no file to tamper with; as
/// a store it would answer ``NoAuditChain``'s "not applicable".
public final class MemoryLedger {
    public let rules: LedgerRules
    let deferral: DeferralRules
    let retentionDays = 150

    /// One row of evidence: the person's index, the kind's index in the rules, the observed day.
    public struct Row: Sendable {
        public var person: Int
        public var kind: Int
        public var day: Day
        public init(person: Int, kind: Int, day: Day) {
            self.person = person
            self.kind = kind
            self.day = day
        }
    }

    /// A ledger event: its kind, the day it is about, the deadline it concerns (warnings and field
    /// checks), and for a certification the class of the evidence behind it.
    public struct Event: Sendable, Equatable {
        public var kind: LedgerChange.Kind
        public var day: Day
        /// The day the ledger recorded it (a death recorded weeks after it happened).
        public var recorded: Day
        public var deadline: Day?
        public var evidenceClass: LedgerRules.EvidenceClass?
    }

    public struct Task: Sendable, Hashable {
        public enum Kind: String, Sendable, CaseIterable {
            case fieldCheck = "field_check", attention, homeVisit = "home_visit", phoneCall = "phone_call"
        }
        public var person: Int
        public var kind: Kind
        public var keyDay: Day
    }

    public struct TaskState: Sendable, Equatable {
        public var open: Bool
        public var outcome: String?
        public var created: Day
    }

    struct Person {
        var birth: Day
        var unit: String
        var enrolled: Day
        var amountFen: Int
        var hasChannel: Bool
        var immobile: Bool
        var livesAlone: Bool
        var ledger: PersonLedger
        var raisedFor: Day?
        var raised: Set<LedgerChange.Kind> = []
        /// Recent reference rows in delivery order (kind index, observed day).
        var window: [(kind: Int32, day: Int32)] = []
        /// Identity-checked presence rows (the anchor: strong, biometric, visit, and the presence
        /// kinds marked identity_checked), in delivery order.
        var anchors: [(kind: Int32, day: Int32)] = []
        var lastPresence: Int32?
        /// The last identity-checked presence observed.
        var lastIdentity: Int32?
        /// Presence rows that are not identity-checked (a clinic), observed after `lastIdentity`
        /// (older ones are dropped as it moves): the hidden-death rule's second sign counts their
        /// departments.
        var unchecked: [(source: Int32, day: Int32)] = []
        /// The day a rule's hold was placed, while it is in force (nothing paid from the next run).
        var heldSince: Day?
        /// The last day a field check was answered unreachable, and the last person-to-person
        /// check observed: a second unreachable answer with none between escalates.
        var lastUnreachable: Day?
        var lastInPerson: Day?
        var possession: [(kind: Int32, day: Int32)] = []
        var lastInpatient: Int32?
        var events: [Event] = []
        var paid = Set<Month>()
        var claimed = Set<Month>()
    }

    var persons: [Person] = []
    public internal(set) var tasks: [Task: TaskState] = [:]
    /// Field checks escalated to the street office (open until answered otherwise or certified).
    public internal(set) var escalated = Set<Task>()
    /// Tasks the sweep escalated past their due day (the store's `escalateOverdueTasks`): level 1
    /// the street, 2 the district, and the day of the step.
    public internal(set) var overdue: [Task: (level: Int, day: Day)] = [:]
    /// The open tasks, by person (a certification or a death closes a person's).
    var openByPerson: [Int: Set<Task>] = [:]
    /// Reminders waiting for the sender: (person, deadline, round), in the order queued.
    var outbox: [(person: Int, deadline: Day, round: Int)] = []
    /// Visit-code notices queued since the last ``drainVisitCodeNotices()`` (the store's `visit_code` outbox rows).
    var visitCodeNotices = 0
    var reminded = Set<[Int]>()
    public internal(set) var runs: [Month] = []
    /// The day of the current delivery, sweep or visit.
    var today = Day(daysSinceEpoch: 0)
    /// Recovery cases: person, months, amount.
    public internal(set) var recoveries: [(person: Int, months: [Month], fen: Int)] = []
    /// Days of `other_face` sightings, by person (``otherFace(_:on:)``).
    var otherFaceDays: [Int: [Int32]] = [:]

    let anchorKind: [Bool]
    /// Kinds that are a person-to-person check (``LedgerRules/confirmsInPerson(_:)``).
    let inPersonKind: [Bool]
    /// Each kind's department, as an index into `sources`.
    let kindSource: [Int32]
    let sources: [String]
    let presenceKind: [Bool]
    let possessionKind: [Bool]
    let inpatientKind: [Bool]
    /// Each kind as a reference event of the behaviour window (nil for kinds without a weight),
    /// its day set as a row is read.
    let references: [DeferralRules.ReferenceEvent?]

    public init(rules: LedgerRules) {
        self.rules = rules
        deferral = DeferralRules(rules: rules)
        anchorKind = rules.kinds.map(\.identityChecked)
        inPersonKind = rules.kinds.map { rules.confirmsInPerson($0) }
        sources = Array(Set(rules.kinds.map(\.source))).sorted()
        kindSource = rules.kinds.map { [sources] kind in Int32(sources.firstIndex(of: kind.source)!) }
        presenceKind = rules.kinds.map { $0.class == .reference && $0.proves == .presence }
        possessionKind = rules.kinds.map { $0.class == .reference && $0.proves == .possession }
        inpatientKind = rules.kinds.map { rules.attention.inpatient_kinds.contains($0.kind) }
        references = rules.kinds.map { kind in
            kind.weight.map {
                DeferralRules.ReferenceEvent(
                    kind: kind.kind, source: kind.source, weight: $0, day: Day(daysSinceEpoch: 0),
                    presence: kind.class == .reference && kind.proves == .presence)
            }
        }
    }

    /// The index of a kind in the rules, or nil.
    public func kindIndex(_ name: String) -> Int? { rules.kinds.firstIndex { $0.kind == name } }

    // MARK: - Persons

    /// Enters a person active on `enrolled` with their level's period; returns their index.
    @discardableResult
    public func addPerson(
        birth: Day, unit: String, period: Int, amountFen: Int, hasChannel: Bool, livesAlone: Bool, immobile: Bool, enrolled: Day
    ) -> Int {
        persons.append(
            Person(
                birth: birth, unit: unit, enrolled: enrolled, amountFen: amountFen, hasChannel: hasChannel, immobile: immobile,
                livesAlone: livesAlone, ledger: PersonLedger(enrolled: enrolled, servicePeriodMonths: period)))
        return persons.count - 1
    }

    public var count: Int { persons.count }
    public func ledger(_ person: Int) -> PersonLedger { persons[person].ledger }
    public func events(_ person: Int) -> [Event] { persons[person].events }
    public func move(_ person: Int, to unit: String) { persons[person].unit = unit }
    public func paid(_ person: Int) -> Set<Month> { persons[person].paid }
    public func amountFen(_ person: Int) -> Int { persons[person].amountFen }

    func record(_ changes: [LedgerChange], _ p: Int, evidence: LedgerRules.EvidenceClass? = nil) {
        for change in changes where change.kind != .conflict && change.kind != .voided {
            persons[p].events.append(
                Event(kind: change.kind, day: change.day, recorded: today, deadline: change.deadline, evidenceClass: evidence))
            if change.kind == .deceased { claimPaidAfterDeath(p, death: change.day) }
        }
        if changes.contains(where: \.closesOpenTasks) {
            closeTasks(p, outcome: "deceased") { _ in true }
        } else if changes.contains(where: \.closesFieldChecks), persons[p].heldSince == nil {
            // Under a rule's hold the field checks stay open until a person-to-person check.
            closeTasks(p, outcome: "certified") { $0 != .attention }
        }
    }

    func closeTasks(_ p: Int, outcome: String, _ which: (Task.Kind) -> Bool) {
        guard let open = openByPerson[p] else { return }
        for task in open where which(task.kind) {
            close(task)
            tasks[task]?.outcome = outcome
        }
    }

    func close(_ task: Task) {
        tasks[task]?.open = false
        openByPerson[task.person]?.remove(task)
        if openByPerson[task.person]?.isEmpty == true { openByPerson[task.person] = nil }
    }

    // MARK: - Evidence

    /// A day's delivery (received on `day`), applied as the store applies a batch: person by person (by index), each
    /// person's rows in delivery order. No re-evaluation (the nightly sweep does it).
    public func deliver(_ rows: [Row], on day: Day) {
        today = day
        var byPerson: [Int: [Row]] = [:]
        for row in rows { byPerson[row.person, default: []].append(row) }
        for p in byPerson.keys.sorted() {
            for row in byPerson[p]! { apply(row) }
        }
    }

    func apply(_ row: Row) {
        let p = row.person
        let kind = rules.kinds[row.kind]
        let day = Int32(row.day.daysSinceEpoch)
        // The rows the rule's facts read, kept in place: a copy of the person would copy their
        // arrays on every append.
        if anchorKind[row.kind] {
            persons[p].anchors.append((Int32(row.kind), day))
            persons[p].lastPresence = max(persons[p].lastPresence ?? day, day)
            if day > persons[p].lastIdentity ?? .min {
                persons[p].lastIdentity = day
                persons[p].unchecked.removeAll { $0.day <= day }
            }
        }
        if kind.class == .reference {
            forgetWindow(p, before: Int32(today.daysSinceEpoch))
            persons[p].window.append((Int32(row.kind), day))
            if presenceKind[row.kind] { persons[p].lastPresence = max(persons[p].lastPresence ?? day, day) }
            if presenceKind[row.kind], !anchorKind[row.kind], day > persons[p].lastIdentity ?? .min {
                persons[p].unchecked.append((kindSource[row.kind], day))
            }
            if possessionKind[row.kind] { persons[p].possession.append((Int32(row.kind), day)) }
            if inpatientKind[row.kind] { persons[p].lastInpatient = max(persons[p].lastInpatient ?? day, day) }
        }
        var ledger = persons[p].ledger
        let changes = deferral.apply(
            kind, on: row.day, cause: nil, to: &ledger,
            facts: Facts(memory: self, person: p, window: persons[p].window, windowDays: Int32(rules.behaviour_model.window_days)))
        if !changes.isEmpty {
            persons[p].ledger = ledger
            record(changes, p, evidence: kind.class)
        }
        if inPersonKind[row.kind] { persons[p].lastInPerson = max(persons[p].lastInPerson ?? row.day, row.day) }
        // A person-to-person check on or after a rule's hold ends it, and closes the field checks
        // the hold kept open (the store's endRuleHolds).
        if inPersonKind[row.kind], let held = persons[p].heldSince, row.day >= held {
            persons[p].heldSince = nil
            persons[p].events.append(Event(kind: .released, day: today, recorded: today, deadline: nil, evidenceClass: nil))
            closeTasks(p, outcome: "certified") { $0 != .attention }
        }
    }

    /// The evidence rule's facts (``EvidenceFacts``) for one person, from their compact rows. The
    /// look-back after a death finds nothing to record: conflicts and voided events are left out.
    struct Facts: EvidenceFacts {
        typealias Failure = Never
        // Read only while the ledger applies one row (`apply`), which the ledger outlives.
        unowned(unsafe) let memory: MemoryLedger
        let person: Int
        let window: [(kind: Int32, day: Int32)]
        let windowDays: Int32

        func window(endingOn day: Day) -> [DeferralRules.ReferenceEvent] {
            let end = Int32(day.daysSinceEpoch)
            let start = end - (windowDays - 1)
            let references = memory.references
            return window.compactMap { e in
                guard e.day >= start && e.day <= end, var event = references[Int(e.kind)] else { return nil }
                event.day = Day(daysSinceEpoch: Int(e.day))
                return event
            }
        }

        func anchor(onOrBefore day: Day) -> Day { memory.anchorDay(person, onOrBefore: Int32(day.daysSinceEpoch)) }

        func corroboration(excluding source: String, onOrBefore day: Day) -> Day {
            memory.anchorDay(person, onOrBefore: Int32(day.daysSinceEpoch), excluding: source)
        }

        func entry() -> Day { memory.persons[person].enrolled }

        func lookBack(death: Day) -> [LedgerChange] { [] }
    }

    /// The last identity-checked presence on or before `day` (from a department other than
    /// `excluding`, a face verification and a visit counting for everyone), or the entry.
    func anchorDay(_ p: Int, onOrBefore day: Int32, excluding source: String? = nil) -> Day {
        var best = Int32(persons[p].enrolled.daysSinceEpoch)
        let excluded = source.flatMap { sources.firstIndex(of: $0) }.map(Int32.init)
        for a in persons[p].anchors where a.day <= day && a.day > best {
            if let excluded, kindSource[Int(a.kind)] == excluded, !rules.corroboration.service_sources.contains(source!) { continue }
            best = a.day
        }
        return Day(daysSinceEpoch: Int(best))
    }

    // MARK: - Sweep

    /// The daily sweep of `day`, in the store's order: each person near or past their deadline,
    /// then health attention, then the hidden-death sign.
    public func sweep(on day: Day) {
        today = day
        let horizon = day.adding(months: rules.warning_months)
        for p in persons.indices {
            guard persons[p].ledger.status == .active, persons[p].ledger.deadline < horizon else { continue }
            sweep(p, on: day)
        }
        raiseAttention(on: day)
        raiseHiddenDeath(on: day)
        escalateOverdue(on: day)
    }

    /// The store's escalation of overdue tasks (``LedgerRules/HomeHelp``): an open task
    /// `escalate_street_after_days` past its due day goes to the street, `escalate_district_after_days`
    /// later (counted for an unanswered field check's escalation from when the street's turn came)
    /// to the district; each step an `escalated` event.
    func escalateOverdue(on day: Day) {
        let help = rules.home_help
        for (p, open) in openByPerson {
            for task in open {
                guard let state = tasks[task], state.open else { continue }
                let due = state.created.adding(days: help.dueDays(task.kind.rawValue))
                guard due.adding(days: help.escalate_street_after_days) <= day else { continue }
                if let step = overdue[task] {
                    guard step.level == 1, step.day.adding(days: help.escalate_district_after_days) <= day else { continue }
                } else if escalated.contains(task) {
                    let since = due.adding(days: help.escalate_street_after_days)
                    guard since.adding(days: help.escalate_district_after_days) <= day else { continue }
                }
                let level = overdue[task] != nil || escalated.contains(task) ? 2 : 1
                overdue[task] = (level, day)
                persons[p].events.append(Event(kind: .escalated, day: day, recorded: day, deadline: nil, evidenceClass: nil))
            }
        }
    }

    /// Drops rows the window will never read again (as a row is added: the window reads by day, so
    /// the rows kept are a matter of memory only).
    func forgetWindow(_ p: Int, before today: Int32) {
        // Rows a month past the limit are dropped together (a removal each day would move the
        // person's whole window each day).
        let windowStart = today - Int32(rules.behaviour_model.window_days + retentionDays)
        if let first = persons[p].window.first, first.day < windowStart - 30 { persons[p].window.removeAll { $0.day < windowStart } }
    }

    /// Drops possession rows older than the hidden-death rule's recent days, which it counts (done
    /// where it counts them, for those with enough rows to matter). The rows are in delivery order,
    /// not by day (a feed may bring an old row after a newer one): every row is looked at.
    func forgetPossession(_ p: Int, before today: Int32) {
        let recent = today - Int32(rules.hidden_death.possession_recent_days - 1)
        persons[p].possession.removeAll { $0.day < recent }
    }

    /// The sweep's step (``SweepStep``, the store's rule too) for one person, its effects applied.
    func sweep(_ p: Int, on day: Day) {
        if persons[p].raisedFor != persons[p].ledger.deadline {
            persons[p].raisedFor = persons[p].ledger.deadline
            persons[p].raised = []
        }
        // Past the deadline, the due day of an open, overdue home visit for it (the store's rule:
        // such a visit holds the deadline, ``SweepStep/visitHold(_:on:rules:)``).
        var visitDue: Day?
        let deadline = persons[p].ledger.deadline
        if day > deadline, persons[p].ledger.status == .active {
            let days = rules.home_help.dueDays(Task.Kind.homeVisit.rawValue)
            for task in openByPerson[p] ?? [] where task.kind == .homeVisit && task.keyDay == deadline {
                guard let state = tasks[task], state.open else { continue }
                let due = state.created.adding(days: days)
                if due < day { visitDue = min(visitDue ?? due, due) }
            }
        }
        // Fields read in place: a copy of the person would make the appends below copy their arrays.
        let effects = SweepStep.run(
            SweepStep.Subject(
                ledger: persons[p].ledger, alreadyRaised: persons[p].raised, birthDate: persons[p].birth, immobile: persons[p].immobile,
                livesAlone: persons[p].livesAlone, hasChannel: persons[p].hasChannel, visitOverdueSince: visitDue),
            on: day, rules: deferral)
        guard !effects.changes.isEmpty else { return }
        persons[p].ledger = effects.ledger
        record(effects.changes, p)
        for change in effects.changes where [.warning, .fieldCheck, .deadlineHeld].contains(change.kind) {
            persons[p].raised.insert(change.kind)
        }
        for reminder in effects.reminders { remind(p, deadline: reminder.deadline, round: reminder.round) }
        for task in effects.tasks { openTask(Task(person: p, kind: Task.Kind(rawValue: task.kind.rawValue)!, keyDay: task.key), on: day) }
    }

    func remind(_ p: Int, deadline: Day, round: Int) {
        guard reminded.insert([p, deadline.daysSinceEpoch, round]).inserted else { return }
        outbox.append((p, deadline, round))
    }

    /// Opens a task once; a home visit or a field check also queues its visit-code notice to a
    /// person with a channel (as the store's `openTask`), counted apart from the reminders.
    @discardableResult
    func openTask(_ task: Task, on day: Day) -> Bool {
        guard tasks[task] == nil else { return false }
        tasks[task] = TaskState(open: true, outcome: nil, created: day)
        openByPerson[task.person, default: []].insert(task)
        if task.kind == .homeVisit || task.kind == .fieldCheck, persons[task.person].hasChannel { visitCodeNotices += 1 }
        return true
    }

    func raiseAttention(on day: Day) {
        let rule = rules.attention
        guard !rule.inpatient_kinds.isEmpty else { return }
        let oldestBirth = Day(year: day.year - rule.min_age, month: day.month, day: min(day.day, 28))!
        let from = Int32(day.adding(days: -rule.inpatient_within_days).daysSinceEpoch), today = Int32(day.daysSinceEpoch)
        for p in persons.indices {
            // Fields read in place: a copy of the person would retain their arrays, for everyone, every day.
            guard let stay = persons[p].lastInpatient, stay >= from, stay <= today, persons[p].ledger.status == .active,
                persons[p].birth <= oldestBirth
            else { continue }
            let stayDay = Day(daysSinceEpoch: Int(stay))
            guard deferral.needsAttention(birthDate: persons[p].birth, lastInpatient: stayDay, ledger: persons[p].ledger, on: day) else {
                continue
            }
            guard openTask(Task(person: p, kind: .attention, keyDay: stayDay), on: day) else { continue }
            persons[p].events.append(Event(kind: .attention, day: day, recorded: day, deadline: nil, evidenceClass: nil))
        }
    }

    func raiseHiddenDeath(on day: Day) {
        let rule = rules.hidden_death
        let today = Int32(day.daysSinceEpoch)
        let gapStart = today - Int32(rule.presence_gap_days - 1)
        let historyStart = today - Int32(rule.history_days)
        for p in persons.indices where persons[p].possession.count >= rule.min_possession_events {
            forgetPossession(p, before: today)
            guard persons[p].possession.count >= rule.min_possession_events, persons[p].ledger.status == .active else { continue }
            let corroborated = max(Int32(persons[p].enrolled.daysSinceEpoch), persons[p].lastIdentity ?? .min)
            let first = persons[p].lastPresence.map { $0 < gapStart && $0 >= historyStart } ?? false
            guard first || corroborated <= today - Int32(rule.uncorroboratedPresenceDays) else { continue }
            let person = persons[p]
            // The store counts the rows observed from the recent days' start to today. (It takes
            // rows up to a day after their delivery; the simulator delivers none dated after the
            // day it delivers them, so its last presence, a single day, needs no such bound.)
            let counted = person.possession.filter { $0.day <= today }
            guard counted.count >= rule.min_possession_events else { continue }
            let kinds = Set(counted.map { rules.kinds[Int($0.kind)].kind }).sorted()
            if first, let seen = person.lastPresence,
                let sign = deferral.hiddenDeathSign(
                    lastPresence: Day(daysSinceEpoch: Int(seen)), possessionEvents: counted.count, possessionKinds: kinds,
                    ledger: person.ledger, on: day)
            {
                raiseSign(p, sign, key: Day(daysSinceEpoch: Int(seen)), on: day)
                continue
            }
            // The second sign: presence only from one department that does not check the face.
            let departments = Set(person.unchecked.filter { $0.day > corroborated && $0.day <= today }.map(\.source)).sorted()
                .map { sources[Int($0)] }
            guard
                let sign = deferral.uncorroboratedSign(
                    corroborated: Day(daysSinceEpoch: Int(corroborated)), presenceSources: departments, possessionEvents: counted.count,
                    possessionKinds: kinds, ledger: person.ledger, on: day)
            else { continue }
            raiseSign(p, sign, key: Day(daysSinceEpoch: Int(corroborated)), on: day)
        }
    }

    /// The store's raiseSign: once per key day, attention, a field check and a rule's hold.
    func raiseSign(_ p: Int, _ sign: String, key: Day, on day: Day) {
        guard openTask(Task(person: p, kind: .attention, keyDay: key), on: day) else { return }
        openTask(Task(person: p, kind: .fieldCheck, keyDay: persons[p].ledger.deadline), on: day)
        persons[p].events.append(Event(kind: .attention, day: day, recorded: day, deadline: nil, evidenceClass: nil))
        if persons[p].heldSince == nil {
            persons[p].heldSince = day
            persons[p].events.append(Event(kind: .held, day: day, recorded: day, deadline: nil, evidenceClass: nil))
        }
    }
}
