import Foundation
import Ledger
import Storage

/// A synthetic city driven through the real ledger: persons with ages and behaviour streams,
/// illness, deaths whose records arrive late or never (hidden deaths with the card still in use),
/// reminders answered by face scans, field checks by community staff, and a daily sweep.
public struct CitySimulation: Sendable {
    public var persons: Int
    public var months: Int
    public var seed: UInt64
    public var model = CityModel()
    public var start = Day("2025-01-01")!

    public init(persons: Int, months: Int, seed: UInt64) {
        self.persons = persons
        self.months = months
        self.seed = seed
    }

    /// What the city looked like at the end, set beside the article's figures.
    public struct Report: Sendable, Codable, Equatable {
        public struct Distribution: Sendable, Codable, Equatable {
            public var median: Double
            public var p95: Double
        }

        public var persons: Int
        public var months: Int
        public var deaths: Int
        /// Alive at the end and never warned during the run (article: 88%).
        public var silent_share: Double
        /// Warnings a month over the population (article: about 1% a month).
        public var reminded_monthly_share: Double
        /// Field checks opened a month, in all, and per community (article: about 10 a community).
        public var field_checks_monthly: Double
        public var field_checks_monthly_per_community: Double
        /// Hidden deaths, and those whose payments the ledger stopped before the end.
        public var fraud_cases: Int
        public var fraud_caught: Int
        /// Days from death to the stop of payments, over deaths whose payments stopped.
        public var overpaid_days_after_death: Distribution
        /// Hidden deaths: days from the death to the first field check or attention entry, and to
        /// the stop of payments (suspension, or the death found on a field check), over those the
        /// ledger reached before the end.
        public var hidden_death_days_to_first_check: Distribution
        public var hidden_death_days_to_suspension: Distribution
        /// Deaths still paid at the end of the run.
        public var deaths_still_paid: Int
        /// Certifications by evidence class over the run.
        public var certified_by_class: [String: Int]
    }

    struct Pensioner {
        var id: String
        var name: String
        var age: Int
        var mobility: CityModel.Mobility
        var unit: String
        var unreachable: Bool
        var death: Day?
        var hidden = false
    }

    /// Runs the simulation on a new ledger file at `databasePath`.
    public func run(databasePath: String) async throws -> Report {
        // Two streams: the city's lives (who they are, what they do, when they die) draw from one,
        // the service's answers (who responds to a reminder, when staff visit) from the other, so a
        // change in the ledger's rules changes how the service answers but never the city itself.
        var random = SplitMix64(seed: seed)
        var service = SplitMix64(seed: seed ^ 0x5EED_5EED_5EED_5EED)
        let rules = try LedgerRules.shipped()
        let store = LedgerStore(database: try AppDatabase(path: databasePath), rules: rules)
        let communities = try await buildUnits(store)
        var people = try await enrol(store, communities: communities, rules: rules, random: &random)
        let end = start.adding(months: months)

        var pending: [Int: [LedgerStore.EvidenceInput]] = [:]  // by day number
        var serial = 0
        func schedule(_ day: Day, _ source: String, _ kind: String, _ person: String) {
            serial += 1
            pending[day.daysSinceEpoch, default: []].append(
                LedgerStore.EvidenceInput(
                    line: serial, source: source, externalID: "sim-\(serial)", residentID: person, kind: kind,
                    observedAt: day.description, payload: nil))
        }
        var visits: [Int64: Day] = [:]
        var fieldChecks = 0
        let byID = Dictionary(uniqueKeysWithValues: people.enumerated().map { ($1.id, $0) })
        var day = start
        while day < end {
            if day.day == 1 { generateMonth(Month(day), &people, rules: rules, random: &random, schedule: schedule) }
            var report = ImportReport()
            if let rows = pending.removeValue(forKey: day.daysSinceEpoch) {
                try await store.importEvidence(
                    rows, batchSize: rows.count + 1, delivery: .file(by: "simulation", receivedOn: day), into: &report)
            }
            _ = try await store.sweep(on: day)
            let messages = try await store.outbox()
            _ = try await store.markSent(messages.map(\.id))
            for message in messages {
                guard let index = byID[message.personID] else { continue }
                let person = people[index]
                guard person.death == nil, !person.unreachable, service.chance(model.reminderResponseShare) else { continue }
                let when = day.adding(days: service.int(in: model.reminderResponseDays))
                schedule(when, "fastcert", "face_verification_mobile", person.id)
            }
            let open = try await store.tasks(unit: "C")
            for task in open where visits[task.id] == nil {
                visits[task.id] = day.adding(days: service.int(in: model.fieldCheckDays))
                if task.kind == "field_check" { fieldChecks += 1 }
            }
            // Staff visit the tasks due today that are still open (a death record may have closed one).
            for task in open where visits[task.id] == day {
                visits[task.id] = nil
                guard let index = byID[task.personID] else { continue }
                let person = people[index]
                let outcome: LedgerStore.TaskOutcome
                if task.kind == "phone_call" {
                    outcome = person.unreachable ? .unreachable : .reached
                } else if let death = person.death, death <= day {
                    outcome = .deceased
                } else if !person.unreachable && (person.mobility == .homebound || service.chance(model.foundAtHomeShare)) {
                    outcome = .seenAlive
                } else {
                    outcome = .unreachable
                }
                do {
                    _ = try await store.completeTask(task.id, outcome: outcome, on: day, by: "simulation")
                } catch let error as LedgerError where error.code == .taskClosed {
                    continue  // closed earlier today: the person certified on another of their tasks
                }
            }
            day = day.adding(days: 1)
        }
        return try await summarise(store, people: people, communities: communities.count, fieldChecks: fieldChecks, end: end)
    }

    private func buildUnits(_ store: LedgerStore) async throws -> [String] {
        // One city "C", districts of streets of communities of about 500 pensioners each.
        let count = max(1, persons / 500)
        var csv = "code,name,level,parent_code\nC,City,city,\n"
        var communities: [String] = []
        for c in 0..<count {
            let district = "D\(c / 100)", street = "S\(c / 10)", community = "K\(c)"
            if c % 100 == 0 { csv += "\(district),District \(c / 100),district,C\n" }
            if c % 10 == 0 { csv += "\(street),Street \(c / 10),street,\(district)\n" }
            csv += "\(community),Community \(c),community,\(street)\n"
            communities.append(community)
        }
        _ = try await store.importUnits(csv: csv, strict: true)
        return communities
    }

    private func enrol(_ store: LedgerStore, communities: [String], rules: LedgerRules, random: inout SplitMix64) async throws
        -> [Pensioner]
    {
        var people: [Pensioner] = []
        var csv = "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile,enrolled_on\n"
        var taken = Set<String>()
        while people.count < persons {
            let age = model.age(random.unit(), random.unit())
            let birth = Day(year: start.year - age - 1, month: random.int(in: 1...12), day: random.int(in: 1...28))!
            let digits = String(format: "370202%04d%02d%02d%03d", birth.year, birth.month, birth.day, random.int(in: 0...999))
            guard let id = ResidentID.completing(digits), taken.insert(id.value).inserted else { continue }
            let level = String(random.int(in: 1...5))
            let period = rules.servicePeriodMonths(level: level) ?? 12
            let enrolled = start.adding(days: -random.int(in: 0...(period * 30 - 1)))
            let mobility = model.mobility(age: age, random.unit())
            let unreachable = random.chance(model.unreachableShare)
            let phone = unreachable ? "" : "139\(random.int(in: 10_000_000...99_999_999))"
            let wechat = !unreachable && random.chance(0.6) ? "wx\(people.count)" : ""
            let unit = communities[random.int(in: 0...(communities.count - 1))]
            csv +=
                "\(id.value),Person \(people.count),\(birth),\(unit),\(level),3000,\(phone),\(wechat),0,\(mobility == .homebound ? 1 : 0),\(enrolled)\n"
            people.append(
                Pensioner(id: id.value, name: "Person \(people.count)", age: age, mobility: mobility, unit: unit, unreachable: unreachable))
        }
        _ = try await store.importPersons(csv: csv, strict: true, today: start)
        return people
    }

    /// One month of life: deaths (with their records, late or never) and behaviour streams.
    private func generateMonth(
        _ month: Month, _ people: inout [Pensioner], rules: LedgerRules, random: inout SplitMix64,
        schedule: (Day, String, String, String) -> Void
    ) {
        let days = Day.daysIn(year: month.year, month: month.month)
        for index in people.indices {
            var person = people[index]
            if person.death == nil {
                let monthly = 1 - pow(1 - model.annualMortality(age: person.age), 1.0 / 12)
                if random.chance(monthly) {
                    let death = month.firstDay.adding(days: random.int(in: 0...(days - 1)))
                    person.death = death
                    person.hidden = random.chance(model.hiddenDeathShare)
                    if !person.hidden {
                        if random.chance(model.hospitalDeathShare) {
                            schedule(
                                death.adding(days: random.int(in: 0...3)), "health_commission", "hospital_death_certificate", person.id)
                        }
                        if random.chance(model.cremationRecordShare) {
                            schedule(
                                death.adding(days: random.int(in: 1...10)), "civil_affairs", "civil_affairs_cremation_record", person.id)
                        }
                        if random.chance(model.deregistrationShare) {
                            schedule(death.adding(days: random.int(in: 14...120)), "police", "police_household_deregistration", person.id)
                        }
                    }
                }
            }
            // Sorted: a dictionary's order changes from process to process, and a seed must replay exactly.
            for kind in model.monthlyRates.keys.sorted() {
                let rates = model.monthlyRates[kind]!
                let count = random.poisson(rates[person.mobility] ?? 0)
                for _ in 0..<count {
                    let day = month.firstDay.adding(days: random.int(in: 0...(days - 1)))
                    if let death = person.death, day >= death { continue }
                    if let source = rules.kind(kind)?.source { schedule(day, source, kind, person.id) }
                }
            }
            // After a hidden death, the family's use of what the pensioner held, from several departments.
            if person.hidden, let death = person.death {
                let rates = model.hidingFamilyRates.merging(model.hidingPresenceLeakRates) { $1 }
                for kind in rates.keys.sorted() {
                    for _ in 0..<random.poisson(rates[kind]!) {
                        let day = month.firstDay.adding(days: random.int(in: 0...(days - 1)))
                        guard day >= death, let source = rules.kind(kind)?.source else { continue }
                        schedule(day, source, kind, person.id)
                    }
                }
            }
            if person.death == nil && random.chance(model.strongMonthlyRate) {
                schedule(
                    month.firstDay.adding(days: random.int(in: 0...(days - 1))), "social_security_bureau", "bureau_counter_confirmation",
                    person.id)
            }
            people[index] = person
        }
    }

    private func summarise(_ store: LedgerStore, people: [Pensioner], communities: Int, fieldChecks: Int, end: Day) async throws -> Report {
        var aliveAtEnd = 0, silent = 0, warnings = 0, frauds = 0, caught = 0, stillPaid = 0
        var overpaid: [Double] = [], toCheck: [Double] = [], toSuspension: [Double] = []
        for person in people {
            guard let view = try await store.person(ResidentID(person.id)) else { continue }
            warnings += view.timeline.filter { $0.kind == "warning" }.count
            if person.death == nil {
                aliveAtEnd += 1
                if !view.timeline.contains(where: { $0.kind == "warning" }) { silent += 1 }
            }
            guard let death = person.death else { continue }
            let stop = view.timeline.first { ($0.kind == "deceased" || $0.kind == "suspended") && $0.day >= death }?.day
            if person.hidden {
                frauds += 1
                if let check = view.timeline.first(where: { ($0.kind == "field_check" || $0.kind == "attention") && $0.day >= death }) {
                    toCheck.append(Double(death.days(to: check.day)))
                }
                if let stop { toSuspension.append(Double(death.days(to: stop))) }
            }
            let stoppedBefore =
                view.timeline.last { $0.kind == "suspended" || $0.kind == "resumed" }.map { $0.kind == "suspended" && $0.day < death }
                ?? false
            if stoppedBefore {
                overpaid.append(0)
                if person.hidden { caught += 1 }
            } else if let stop {
                overpaid.append(Double(death.days(to: stop)))
                if person.hidden { caught += 1 }
            } else {
                stillPaid += 1
            }
        }
        let byClass = try await store.certificationsByClass(unit: "C", from: start, until: end)
        func distribution(_ values: [Double]) -> Report.Distribution {
            let sorted = values.sorted()
            func quantile(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }
            return .init(median: quantile(0.5), p95: quantile(0.95))
        }
        let population = Double(people.count)
        return Report(
            persons: people.count, months: months, deaths: people.filter { $0.death != nil }.count,
            silent_share: aliveAtEnd == 0 ? 0 : Double(silent) / Double(aliveAtEnd),
            reminded_monthly_share: Double(warnings) / Double(months) / population,
            field_checks_monthly: Double(fieldChecks) / Double(months),
            field_checks_monthly_per_community: Double(fieldChecks) / Double(months) / Double(communities),
            fraud_cases: frauds, fraud_caught: caught,
            overpaid_days_after_death: distribution(overpaid),
            hidden_death_days_to_first_check: distribution(toCheck), hidden_death_days_to_suspension: distribution(toSuspension),
            deaths_still_paid: stillPaid, certified_by_class: byClass)
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
