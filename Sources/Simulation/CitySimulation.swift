import Foundation
import Ledger

/// A synthetic city driven through the ledger's rules (``MemoryLedger``, checked against the SQLite
/// store by `MemoryLedgerTests`): persons with ages and behaviour streams delivered by each
/// department with its delay, hospital stays, moves between communities, deaths whose records
/// arrive late or never (hidden deaths with the card still in use), reminders answered by face
/// scans, visits by community staff, a daily sweep, a payroll run each month and the recovery of
/// what was paid after a death. The first `warmUpMonths` settle the city (everyone starts with a
/// deadline one period after their entry); the figures are measured after them.
public struct CitySimulation: Sendable {
    public var persons: Int
    /// Months simulated in all, the warm-up included.
    public var months: Int
    public var warmUpMonths: Int
    public var seed: UInt64
    public var model = CityModel()
    public var rules: LedgerRules
    public var start = Day("2025-01-01")!

    public init(persons: Int, months: Int, warmUpMonths: Int = 24, seed: UInt64, rules: LedgerRules) {
        self.persons = persons
        self.months = months
        self.warmUpMonths = warmUpMonths
        self.seed = seed
        self.rules = rules
    }

    /// What the city looked like over the months after the warm-up, set beside the article's figures.
    public struct Report: Sendable, Codable, Equatable {
        public struct Distribution: Sendable, Codable, Equatable {
            public var median: Double
            public var p95: Double
        }

        public var persons: Int
        public var months: Int
        public var warm_up_months: Int
        public var measured_months: Int
        /// Deaths during the measured months.
        public var deaths: Int
        /// Alive at the end, certified in the last twelve months with no reminder, field check,
        /// visit, call or suspension in them (``ThreeForms``, as `stats` counts; article: 88%).
        public var silent_share: Double
        /// Warned in a month over the living, averaged over the measured months (article: about 1%).
        public var reminded_monthly_share: Double
        /// Field checks opened a month, in all, and per community (article: about 10 a community).
        public var field_checks_monthly: Double
        public var field_checks_monthly_per_community: Double
        /// Alive at the end, whose latest certification came from strong evidence (article: 65% of
        /// those certified).
        public var strong_share: Double
        /// Hidden deaths during the measured months, and those whose payments stopped before the end.
        public var fraud_cases: Int
        public var fraud_caught: Int
        /// The same, for hidden deaths more than 90 days before the end: a death in the last months
        /// has had little time to be found (the hidden-death sign waits `presence_gap_days`).
        public var fraud_cases_before_last_90_days: Int
        public var fraud_caught_before_last_90_days: Int
        /// Days from a death (measured months) to the stop of payments (a suspension or the death
        /// recorded), over those stopped; deaths still paid at the end.
        public var overpaid_days_after_death: Distribution
        public var deaths_still_paid: Int
        /// Hidden deaths: days from the death to the first field check or attention entry.
        public var hidden_death_days_to_first_check: Distribution
        /// Yuan paid for months after the month of a death (measured months), what came back,
        /// what recovery cases still claim at the end, and what no case claims (deaths the
        /// ledger has not learned of, and the months between a death and the day a visit found
        /// it, which the visit's record cannot date).
        public var overpaid_yuan: Double
        public var recovered_yuan: Double
        public var open_recovery_yuan: Double
        public var unclaimed_yuan: Double
        /// Payroll over the measured months: yuan paid, of it back pay.
        public var paid_yuan: Double
        public var back_pay_yuan: Double
        /// Certifications by evidence class over the measured months.
        public var certified_by_class: [String: Int]
        public var moves: Int
        /// Camera sightings over the measured months (``CityModel/cameraCoverage``), by outcome:
        /// `confirmed` (strong evidence) and `other_face` (another face used the card); the
        /// undecidable captures are not counted.
        public var sightings_confirmed: Int
        public var sightings_other_face: Int
        /// The fairness figures `stats` publishes (``Fairness``), over the suspensions of the
        /// measured months: how many, how many of a person then alive (the simulator knows), how many
        /// resumed within 90 days (`suspended_found_alive`, as the store counts it: it cannot tell a
        /// hiding family's evidence from the person's), and the days from suspension to the payroll
        /// run that paid them again. Appeals and notices' delivery are not modelled.
        public var suspensions: Int
        public var suspended_alive: Int
        public var suspended_found_alive: Int
        public var days_to_restored_payment: Days

        public struct Days: Sendable, Codable, Equatable {
            /// Suspensions whose person was paid again before the end.
            public var count: Int
            public var median: Int?
            public var p95: Int?
        }
    }

    struct Pensioner {
        var age: Int
        var mobility: CityModel.Mobility
        var unreachable: Bool
        var death: Day?
        var hidden = false
    }

    /// Runs the city; `progress` hears each month's end.
    public func run(progress: ((Month) -> Void)? = nil) -> Report {
        // Two streams: the city's lives (who they are, what they do, when they die) draw from one,
        // the service's answers (who responds to a reminder, when staff visit, what comes back)
        // from the other, so a change in the rules changes how the service answers, never the city.
        var life = SplitMix64(seed: seed)
        var service = SplitMix64(seed: seed ^ 0x5EED_5EED_5EED_5EED)
        // A third for the cameras: whether a card use was captured and what the engine made of it
        // (two draws a use whatever the coverage, so every coverage meets the same city and captures).
        var cameras = SplitMix64(seed: seed ^ 0xCA3E_CA3E_CA3E_CA3E)
        let ledger = MemoryLedger(rules: rules)
        let communities = (0..<max(1, persons / 500)).map { "K\($0)" }
        var people = enrol(ledger, communities: communities, random: &life)
        let end = start.adding(months: months)
        let measured = start.adding(months: warmUpMonths)
        let kinds = Dictionary(uniqueKeysWithValues: rules.kinds.enumerated().map { ($1.kind, $0) })
        let faceScan = kinds["face_verification_mobile"]!
        let videoConfirmation = kinds["video_confirmation"]

        var pending: [Int: [MemoryLedger.Row]] = [:]  // by delivery day
        func deliver(_ person: Int, _ kind: String, observed: Day, delay: ClosedRange<Int>, _ random: inout SplitMix64) {
            guard let index = kinds[kind] else { return }
            let day = observed.adding(days: random.int(in: delay))
            pending[day.daysSinceEpoch, default: []].append(MemoryLedger.Row(person: person, kind: index, day: observed))
        }
        var otherFaces: [Int: [Int]] = [:]  // by day: persons whose card another face used at a camera
        var confirmed = 0, otherFaceCount = 0
        // A card use at a pharmacy or canteen (by the pensioner, or by whoever holds the card after
        // a hidden death): captured at a camera site for `cameraCoverage` of them, decidable for
        // `cameraDecidableShare`, then decided as the engine's measured error rates say. Decided
        // the day it happens (a camera's gateway uploads at once or within the day).
        func sight(_ person: Int, _ day: Day, holder: Bool) {
            let captured = cameras.unit(), decided = cameras.unit()
            guard let videoConfirmation, captured < model.cameraCoverage * model.cameraDecidableShare else { return }
            let confirm = holder ? 1 - model.sightingFNMR : model.sightingFMR
            let other = holder ? model.sightingGenuineOtherFace : model.sightingImpostorOtherFace
            let counted = day >= measured
            if decided < confirm {
                pending[day.daysSinceEpoch, default: []].append(MemoryLedger.Row(person: person, kind: videoConfirmation, day: day))
                if counted { confirmed += 1 }
            } else if decided < confirm + other {
                otherFaces[day.daysSinceEpoch, default: []].append(person)
                if counted { otherFaceCount += 1 }
            }
        }
        var visits: [MemoryLedger.Task: Day] = [:]
        var fieldChecks = 0, moves = 0
        var countedChecks = Set<MemoryLedger.Task>()
        var paidFen = 0, backPayFen = 0
        var recoveryDue: [Int: [Int]] = [:]  // day -> recovery case indices that come back that day
        var recovered = Set<Int>()
        var day = start
        while day < end {
            let inWindow = day >= measured
            if day.day == 1 {
                generateMonth(
                    Month(day), &people, ledger: ledger, communities: communities, moves: &moves, random: &life, deliver: deliver,
                    sight: sight)
                let run = ledger.runPayroll(month: Month(day), on: day)
                if inWindow {
                    paidFen += run.fen
                    backPayFen += run.backPayFen
                }
            }
            if let rows = pending.removeValue(forKey: day.daysSinceEpoch) {
                let before = ledger.recoveries.count
                ledger.deliver(rows, on: day)
                scheduleRecoveries(from: before, ledger, on: day, &recoveryDue, &service)
            }
            for person in otherFaces.removeValue(forKey: day.daysSinceEpoch) ?? [] { ledger.otherFace(person, on: day) }
            ledger.sweep(on: day)
            for message in ledger.drainOutbox() {
                let person = people[message.person]
                guard person.death.map({ $0 > day }) ?? true, !person.unreachable, service.chance(model.reminderResponseShare) else {
                    continue
                }
                let when = day.adding(days: service.int(in: model.reminderResponseDays))
                if person.death.map({ when < $0 }) ?? true {
                    pending[when.daysSinceEpoch, default: []].append(MemoryLedger.Row(person: message.person, kind: faceScan, day: when))
                }
            }
            for task in ledger.open() where visits[task] == nil {
                visits[task] = day.adding(days: service.int(in: model.fieldCheckDays))
                // A check that stays open after a visit (escalated) is visited again, and counted once.
                if task.kind == .fieldCheck && inWindow && countedChecks.insert(task).inserted { fieldChecks += 1 }
            }
            // Staff visit the tasks due today that are still open (a death or a certification may have closed one).
            for task in ledger.open() where visits[task] == day {
                visits[task] = nil
                let person = people[task.person]
                let outcome: MemoryLedger.Outcome
                if task.kind == .phoneCall {
                    outcome = person.unreachable || person.death.map({ $0 <= day }) == true ? .unreachable : .reached
                } else if let death = person.death, death <= day {
                    outcome = .deceased
                } else if !person.unreachable && (person.mobility == .homebound || service.chance(model.foundAtHomeShare)) {
                    outcome = .seenAlive
                } else {
                    outcome = .unreachable
                }
                let before = ledger.recoveries.count
                ledger.complete(task, outcome: outcome, on: day)
                scheduleRecoveries(from: before, ledger, on: day, &recoveryDue, &service)
            }
            for index in recoveryDue.removeValue(forKey: day.daysSinceEpoch) ?? [] { recovered.insert(index) }
            if day.adding(days: 1).day == 1 { progress?(Month(day)) }
            day = day.adding(days: 1)
        }
        return summarise(
            ledger, people: people, communities: communities.count, fieldChecks: fieldChecks, moves: moves, measured: measured, end: end,
            paidFen: paidFen, backPayFen: backPayFen, recovered: recovered, sightings: (confirmed, otherFaceCount))
    }

    /// Cases opened since `from`: the money comes back for `recoveredShare` of them, some days later.
    private func scheduleRecoveries(
        from: Int, _ ledger: MemoryLedger, on day: Day, _ due: inout [Int: [Int]], _ service: inout SplitMix64
    ) {
        for index in from..<ledger.recoveries.count where service.chance(model.recoveredShare) {
            due[day.adding(days: service.int(in: model.recoveryDays)).daysSinceEpoch, default: []].append(index)
        }
    }

    private func enrol(_ ledger: MemoryLedger, communities: [String], random: inout SplitMix64) -> [Pensioner] {
        var people: [Pensioner] = []
        while people.count < persons {
            let age = model.age(random.unit(), random.unit())
            let birth = Day(year: start.year - age - 1, month: random.int(in: 1...12), day: random.int(in: 1...28))!
            let level = String(random.int(in: 1...5))
            let period = rules.servicePeriodMonths(level: level) ?? 12
            // One draw whatever the period, so that other rules (`--what-if`) meet the same city.
            let enrolled = start.adding(days: -Int(random.unit() * Double(period * 30)))
            let mobility = model.mobility(age: age, random.unit())
            let unreachable = random.chance(model.unreachableShare)
            let alone = random.chance(model.livesAloneShare)
            let unit = communities[random.int(in: 0...(communities.count - 1))]
            ledger.addPerson(
                birth: birth, unit: unit, period: period, amountFen: 300_000, hasChannel: !unreachable, livesAlone: alone,
                immobile: mobility == .homebound, enrolled: enrolled)
            people.append(Pensioner(age: age, mobility: mobility, unreachable: unreachable))
        }
        return people
    }

    /// One month of life: deaths (with their records, late or never), hospital stays, moves, and
    /// behaviour streams, each delivered with its department's delay.
    private func generateMonth(
        _ month: Month, _ people: inout [Pensioner], ledger: MemoryLedger, communities: [String], moves: inout Int,
        random: inout SplitMix64, deliver: (Int, String, Day, ClosedRange<Int>, inout SplitMix64) -> Void,
        sight: (Int, Day, Bool) -> Void
    ) {
        let days = Day.daysIn(year: month.year, month: month.month)
        func someDay(_ random: inout SplitMix64) -> Day { month.firstDay.adding(days: random.int(in: 0...(days - 1))) }
        func delay(_ kind: String) -> ClosedRange<Int> { model.feedDelayDays[rules.kind(kind)?.source ?? ""] ?? 1...1 }
        let sortedKinds = model.monthlyRates.keys.sorted().filter { $0 != "inpatient_admission" }
        let hiding = model.hidingFamilyRates.merging(model.hidingPresenceLeakRates) { $1 }
        let hidingKinds = hiding.keys.sorted()
        for index in people.indices {
            var person = people[index]
            if person.death == nil {
                let monthly = 1 - pow(1 - model.annualMortality(age: person.age), 1.0 / 12)
                if random.chance(monthly) {
                    let death = someDay(&random)
                    person.death = death
                    person.hidden = random.chance(model.hiddenDeathShare)
                    if !person.hidden {
                        for (record, share) in [
                            ("hospital_death_certificate", model.hospitalDeathShare),
                            ("civil_affairs_cremation_record", model.cremationRecordShare),
                            ("police_household_deregistration", model.deregistrationShare),
                        ] where random.chance(share) {
                            deliver(index, record, death, model.deathRecordDelayDays[record]!, &random)
                        }
                    }
                }
                if random.chance(model.annualMoveShare / 12) {
                    ledger.move(index, to: communities[random.int(in: 0...(communities.count - 1))])
                    moves += 1
                }
            }
            let alive = { (day: Day) in person.death.map { day < $0 } ?? true }
            // A hospital stay: admission and discharge, and a quieter month.
            var activity = 1.0
            for _ in 0..<random.poisson(model.monthlyRates["inpatient_admission"]?[person.mobility] ?? 0) {
                let admitted = someDay(&random)
                let discharged = admitted.adding(days: random.int(in: model.hospitalStayDays))
                guard alive(admitted) else { continue }
                deliver(index, "inpatient_admission", admitted, delay("inpatient_admission"), &random)
                if alive(discharged) { deliver(index, "inpatient_discharge", discharged, delay("inpatient_discharge"), &random) }
                activity = model.hospitalActivityShare
            }
            for kind in sortedKinds {
                for _ in 0..<random.poisson((model.monthlyRates[kind]![person.mobility] ?? 0) * activity) {
                    let day = someDay(&random)
                    guard alive(day) else { continue }
                    deliver(index, kind, day, delay(kind), &random)
                    if model.cameraKinds.contains(kind) { sight(index, day, true) }
                }
            }
            // After a hidden death, the family's use of what the pensioner held, from several departments.
            if person.hidden, let death = person.death {
                for kind in hidingKinds {
                    for _ in 0..<random.poisson(hiding[kind]!) {
                        let day = someDay(&random)
                        guard day >= death else { continue }
                        deliver(index, kind, day, delay(kind), &random)
                        // Another face at the counter: whoever holds the card now.
                        if model.cameraKinds.contains(kind) { sight(index, day, false) }
                    }
                }
            }
            if random.chance(model.strongMonthlyRate) {
                let day = someDay(&random)
                if alive(day) { deliver(index, "bureau_counter_confirmation", day, delay("bureau_counter_confirmation"), &random) }
            }
            people[index] = person
        }
    }

    private func summarise(
        _ ledger: MemoryLedger, people: [Pensioner], communities: Int, fieldChecks: Int, moves: Int, measured: Day, end: Day,
        paidFen: Int, backPayFen: Int, recovered: Set<Int>, sightings: (confirmed: Int, otherFace: Int)
    ) -> Report {
        let windowStart = max(measured, end.adding(months: -ThreeForms.windowMonths))
        let measuredMonths = Month(measured).months(to: Month(end))
        var aliveAtEnd = 0, silent = 0, strong = 0, deaths = 0, frauds = 0, caught = 0, stillPaid = 0, earlyFrauds = 0, earlyCaught = 0
        var overpaidDays: [Double] = [], toCheck: [Double] = []
        var overpaidFen = 0
        var byClass: [String: Int] = [:]
        var warnedByMonth = [Set<Int>](repeating: [], count: measuredMonths)
        var aliveByMonth = [Int](repeating: 0, count: measuredMonths)
        let contactTasks = Set(ThreeForms.contactTasks)
        var contactedByTask = Set<Int>()
        for (task, state) in ledger.tasks where contactTasks.contains(task.kind.rawValue) && state.created >= windowStart {
            contactedByTask.insert(task.person)
        }
        let contactEvents = Set(ThreeForms.contactEvents)
        var stories: [Fairness.Suspension] = [], suspendedAlive = 0
        for (index, person) in people.enumerated() {
            let events = ledger.events(index)
            // Each suspension of the measured months: resumed when the ledger recorded it, paid by the
            // next month's run (runs come on the first, before the day's deliveries).
            for (position, event) in events.enumerated() where event.kind == .suspended && event.recorded >= measured {
                let resumed = events[(position + 1)...].first { $0.kind == .resumed || $0.kind == .reinstated }?.recorded
                let paid = resumed.map { Month($0).next.firstDay }.flatMap { $0 < end ? $0 : nil }
                stories.append(Fairness.Suspension(suspended: event.recorded, resumed: resumed, paid: paid))
                if person.death.map({ $0 > event.recorded }) ?? true { suspendedAlive += 1 }
            }
            for event in events where event.kind == .certified && event.day >= measured {
                byClass[(event.evidenceClass ?? .reference).rawValue, default: 0] += 1
            }
            for m in 0..<measuredMonths {
                let month = Month(measured).firstDay.adding(months: m)
                if person.death.map({ $0 >= month.adding(months: 1) }) ?? true { aliveByMonth[m] += 1 }
            }
            for event in events where event.kind == .warning && event.day >= measured {
                warnedByMonth[Month(measured).months(to: Month(event.day))].insert(index)
            }
            guard let death = person.death else {
                aliveAtEnd += 1
                let window = events.filter { $0.day >= windowStart }
                let certified = window.contains { $0.kind == .certified }
                let contacted = contactedByTask.contains(index) || window.contains { contactEvents.contains($0.kind) }
                if ThreeForms.silent(certified: certified, contacted: contacted) { silent += 1 }
                if events.last(where: { $0.kind == .certified })?.evidenceClass == .strong { strong += 1 }
                continue
            }
            guard death >= measured else { continue }
            deaths += 1
            // Payments stop when the ledger records the death, a suspension or a rule's hold (a
            // death record is about the day of death, and arrives days to months later).
            let stop = events.first { ($0.kind == .deceased || $0.kind == .suspended || $0.kind == .held) && $0.recorded >= death }?
                .recorded
            let stoppedBefore =
                events.last { $0.kind == .suspended || $0.kind == .resumed }.map { $0.kind == .suspended && $0.day < death } ?? false
            let early = death.days(to: end) > 90
            if person.hidden {
                frauds += 1
                if early { earlyFrauds += 1 }
                if early, stoppedBefore || stop != nil { earlyCaught += 1 }
                if let check = events.first(where: { ($0.kind == .fieldCheck || $0.kind == .attention) && $0.recorded >= death }) {
                    toCheck.append(Double(death.days(to: check.recorded)))
                }
            }
            if stoppedBefore {
                overpaidDays.append(0)
                if person.hidden { caught += 1 }
            } else if let stop {
                overpaidDays.append(Double(death.days(to: stop)))
                if person.hidden { caught += 1 }
            } else {
                stillPaid += 1
            }
            overpaidFen += ledger.paid(index).filter { $0 > Month(death) }.count * ledger.amountFen(index)
        }
        var recoveredFen = 0, openFen = 0
        for (index, recovery) in ledger.recoveries.enumerated() where (people[recovery.person].death ?? measured) >= measured {
            if recovered.contains(index) { recoveredFen += recovery.fen } else { openFen += recovery.fen }
        }
        func distribution(_ values: [Double]) -> Report.Distribution {
            let sorted = values.sorted()
            func quantile(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }
            return .init(median: quantile(0.5), p95: quantile(0.95))
        }
        let fairness = Fairness(suspensions: stories)
        let reminded = zip(warnedByMonth, aliveByMonth).map { Double($0.count) / Double(max($1, 1)) }
        let fieldChecksMonthly = Double(fieldChecks) / Double(max(measuredMonths, 1))
        return Report(
            persons: people.count, months: months, warm_up_months: warmUpMonths, measured_months: measuredMonths, deaths: deaths,
            silent_share: aliveAtEnd == 0 ? 0 : Double(silent) / Double(aliveAtEnd),
            reminded_monthly_share: reminded.isEmpty ? 0 : reminded.reduce(0, +) / Double(reminded.count),
            field_checks_monthly: fieldChecksMonthly, field_checks_monthly_per_community: fieldChecksMonthly / Double(communities),
            strong_share: aliveAtEnd == 0 ? 0 : Double(strong) / Double(aliveAtEnd), fraud_cases: frauds, fraud_caught: caught,
            fraud_cases_before_last_90_days: earlyFrauds, fraud_caught_before_last_90_days: earlyCaught,
            overpaid_days_after_death: distribution(overpaidDays), deaths_still_paid: stillPaid,
            hidden_death_days_to_first_check: distribution(toCheck), overpaid_yuan: Double(overpaidFen) / 100,
            recovered_yuan: Double(recoveredFen) / 100, open_recovery_yuan: Double(openFen) / 100,
            unclaimed_yuan: Double(overpaidFen - recoveredFen - openFen) / 100,
            paid_yuan: Double(paidFen) / 100, back_pay_yuan: Double(backPayFen) / 100, certified_by_class: byClass, moves: moves,
            sightings_confirmed: sightings.confirmed, sightings_other_face: sightings.otherFace, suspensions: fairness.suspensions,
            suspended_alive: suspendedAlive, suspended_found_alive: fairness.suspendedFoundAlive,
            days_to_restored_payment: .init(
                count: fairness.daysToRestoredPayment.count, median: fairness.daysToRestoredPayment.median,
                p95: fairness.daysToRestoredPayment.p95))
    }
}

/// A small, fast, seedable generator (SplitMix64), so a run can be replayed exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    /// Knuth's method: fine for the small monthly rates used here.
    mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let limit = exp(-mean)
        var product = unit(), count = 0
        while product > limit {
            count += 1
            product *= unit()
        }
        return count
    }
}
