import ArgumentParser
import Foundation
import Ledger
import Simulation

/// `fastcert demo`: a simulated city in a real database, so the console has something to show on
/// first start. Everything goes through the same store calls as production (imports, daily sweeps,
/// task outcomes, payroll runs); only the people and their signs of life are invented.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fill a new database with a simulated city (units, persons, months of evidence, tasks, payroll runs).",
        discussion: """
            Runs the ledger day by day over the last --months months: departments' feeds arrive, the \
            daily sweep sends reminders and opens field checks, community staff record most outcomes \
            a few days later, some pensioners die (a few recorded late, so recoveries open, and a few \
            with a sign of life after the death, so conflicts open), and payroll runs each month. \
            Prints an operator key of the city unit (and, on standard error, an auditor, a district \
            operator and a kiosk key). Refuses a database that already holds persons.
            """)

    @Option(help: "Pensioners in the simulated city.") var persons = 3000
    @Option(help: "Months of history, ending today.") var months = 15
    @Option(help: "Seed of the simulation (the same seed gives the same city).") var seed: UInt64 = 1
    @OptionGroup var ledger: LedgerOptions

    func validate() throws {
        guard (10...200_000).contains(persons) else { throw ValidationError("--persons must be 10 to 200000") }
        guard (3...36).contains(months) else { throw ValidationError("--months must be 3 to 36") }
    }

    func run() async throws {
        try await reportingFailures {
            let store = try ledger.open()
            guard try await store.queries.unitPath(DemoCity.cityCode) == nil else {
                throw CommandFailure.input(
                    "\(ledger.databasePath) already holds the demo city; the demo fills a new database (pass --database demo.sqlite)")
            }
            let city = DemoCity(persons: persons, months: months, seed: seed, today: Day(Date()))
            let keys = try await city.fill(store, log: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) })
            FileHandle.standardError.write(
                Data(
                    """
                    Keys (each printed once, stored hashed):
                      auditor, city:            \(keys.auditor)
                      operator, \(DemoCity.districts[0].name):  \(keys.district)
                      kiosk, \(DemoCity.districts[0].name):     \(keys.kiosk)
                    Operator key of the city, for the console (http://127.0.0.1:8080/console/):

                    """.utf8))
            print(keys.cityOperator)
        }
    }
}

/// The simulated city: three districts of two streets of three communities, and its pensioners.
struct DemoCity {
    struct Unit {
        var code: String
        var name: String
    }
    static let cityCode = "3702"
    static let districts = [Unit(code: "370202", name: "市南区"), Unit(code: "370203", name: "市北区"), Unit(code: "370212", name: "崂山区")]
    static let streets = [
        ["八大关街道", "香港中路街道"], ["台东街道", "辽宁路街道"], ["中韩街道", "沙子口街道"],
    ]
    static let communityNames = ["海滨社区", "太平社区", "云霄社区", "福山社区", "东海社区", "燕儿岛社区"]
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
        .map(String.init)
    static let given = Array("秀英桂兰玉珍凤兰淑华建国志强德明国华振华文华秀兰桂芳淑珍玉兰凤英丽华永胜宝山金凤素梅翠花长海庆云")
        .map(String.init)

    /// How a pensioner shows signs of life.
    enum Habit: CaseIterable {
        /// Hospital visits, rail journeys, bank counters: certified silently.
        case dataRich
        /// No trusted data: certifies at the bureau or a kiosk after a reminder.
        case remindable
        /// Only card spending and calls (possession, never presence): field checks.
        case possessionOnly
        /// Housebound: field checks and home visits.
        case housebound
    }

    var persons: Int
    var months: Int
    var seed: UInt64
    var today: Day

    var communities: [String] {
        Self.districts.indices.flatMap { d in
            (0..<2).flatMap { s in (1...3).map { c in Self.districts[d].code + String(format: "%03d%03d", s + 1, c) } }
        }
    }

    var unitsCSV: String {
        var lines = ["code,name,level,parent_code", "\(Self.cityCode),青岛市,city,"]
        for (d, district) in Self.districts.enumerated() {
            lines.append("\(district.code),\(district.name),district,\(Self.cityCode)")
            for s in 0..<2 {
                let street = district.code + String(format: "%03d", s + 1)
                lines.append("\(street),\(Self.streets[d][s]),street,\(district.code)")
                for c in 1...3 {
                    // The six names in turn: each street's three communities differ from its neighbour's.
                    let name = Self.communityNames[(d * 6 + s * 3 + c - 1) % Self.communityNames.count]
                    lines.append("\(street)\(String(format: "%03d", c)),\(Self.streets[d][s].dropLast(2))\(name),community,\(street)")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct Pensioner {
        var id: String
        var habit: Habit
        var diesOn: Day?
        /// The day the death reaches the ledger (late for some: months already paid are claimed back).
        var deathReportedOn: Day?
        /// A sign of life recorded after the death (a conflict to resolve).
        var signAfterDeath: Day?
    }

    struct Keys {
        var cityOperator: String
        var auditor: String
        var district: String
        var kiosk: String
    }

    func fill(_ store: Stores, log: (String) -> Void) async throws -> Keys {
        var random = SplitMix64(seed: seed)
        let start = today.adding(months: -months)
        _ = try await store.registry.importUnits(csv: unitsCSV, strict: true)
        // Persons, enrolled at the start with deadlines spread over their first service period.
        var csv = "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile\n"
        var pensioners: [Pensioner] = []
        let places = communities
        var used = Set<String>()
        for n in 0..<persons {
            let community = places[Int.random(in: 0..<places.count, using: &random)]
            let birth = Day(
                String(
                    format: "%04d-%02d-%02d", Int.random(in: 1930...1962, using: &random), Int.random(in: 1...12, using: &random),
                    Int.random(in: 1...28, using: &random)))!
            var id: ResidentID
            repeat {
                let digits =
                    String(community.prefix(6)) + birth.description.replacingOccurrences(of: "-", with: "")
                    + String(format: "%03d", Int.random(in: 0...999, using: &random))
                id = ResidentID.completing(digits)!
            } while used.contains(id.value)
            used.insert(id.value)
            let name =
                Self.surnames[Int.random(in: 0..<Self.surnames.count, using: &random)]
                + Self.given[Int.random(in: 0..<(Self.given.count / 2), using: &random) * 2]
                + Self.given[Int.random(in: 0..<(Self.given.count / 2), using: &random) * 2 + 1]
            let draw = Double.random(in: 0..<1, using: &random)
            let habit: Habit = draw < 0.55 ? .dataRich : draw < 0.88 ? .remindable : draw < 0.93 ? .possessionOnly : .housebound
            let level = [2, 3, 3, 3, 4, 5][Int.random(in: 0..<6, using: &random)]
            let amount = String(format: "%d.%02d", Int.random(in: 1800...5200, using: &random), Int.random(in: 0...99, using: &random))
            let phone = Double.random(in: 0..<1, using: &random) < 0.85 ? String(format: "139%08d", n) : ""
            csv +=
                "\(id.value),\(name),\(birth),\(community),\(level),\(amount),\(phone),,\(habit == .housebound ? 1 : 0),\(habit == .housebound ? 1 : 0)\n"
            var pensioner = Pensioner(id: id.value, habit: habit)
            // About 4% a year die; one in six deaths reaches the ledger months late, one in five has a
            // sign of life recorded after the death.
            if Double.random(in: 0..<1, using: &random) < 0.04 * Double(months) / 12 {
                let dies = start.adding(days: Int.random(in: 30..<max(31, start.days(to: today) - 10), using: &random))
                pensioner.diesOn = dies
                let late = Double.random(in: 0..<1, using: &random) < 1.0 / 6
                pensioner.deathReportedOn = dies.adding(
                    days: late ? Int.random(in: 70...150, using: &random) : Int.random(in: 3...25, using: &random))
                if Double.random(in: 0..<1, using: &random) < 0.2, let reported = pensioner.deathReportedOn {
                    pensioner.signAfterDeath = reported.adding(days: Int.random(in: 5...40, using: &random))
                }
            }
            pensioners.append(pensioner)
        }
        let imported = try await store.registry.importPersons(csv: csv, strict: true, today: start)
        let index = Dictionary(uniqueKeysWithValues: pensioners.enumerated().map { ($1.id, $0) })
        log("demo: \(imported.imported) persons in 18 communities of 3 districts; simulating \(months) months from \(start)")

        // Day by day: the day's evidence, the sweep, staff closing tasks opened a few days before, payroll.
        var day = start
        var reminded = Set<String>()
        var totals = (evidence: 0, outcomes: 0, runs: 0)
        while day <= today {
            var rows: [EvidenceInput] = []
            func add(_ p: Pensioner, _ kind: String, _ source: String, observed: Day? = nil) {
                rows.append(
                    EvidenceInput(
                        line: rows.count + 1, source: source, externalID: "demo-\(p.id)-\(kind)-\(day)", residentID: p.id, kind: kind,
                        observedAt: (observed ?? day).description, payload: nil))
            }
            for p in pensioners {
                if let dies = p.diesOn, dies <= day {
                    if p.deathReportedOn == day { add(p, "hospital_death_certificate", "health_commission", observed: dies) }
                    if p.signAfterDeath == day { add(p, "outpatient_visit", "health_insurance") }
                    continue
                }
                let r = Double.random(in: 0..<1, using: &random)
                switch p.habit {
                case .dataRich:
                    // Two kinds of source within 90 days certify (the behaviour model).
                    if r < 0.015 {
                        add(p, "outpatient_visit", "health_insurance")
                    } else if r < 0.021 {
                        add(p, "rail_ticket_checked", "railway")
                    } else if r < 0.03 {
                        add(p, "bank_counter_visit", "bank")
                    } else if r < 0.04 {
                        add(p, "card_spending", "social_security_card")
                    }
                case .remindable:
                    // Seen in person now and then (a clinic every few months), never enough to certify alone.
                    if r < 0.008 {
                        add(p, "outpatient_visit", "health_insurance")
                    } else if r < 0.03 {
                        add(p, "card_transit_ride", "social_security_card")
                    }
                    // Told their deadline is near, most go to the bureau's counter within weeks.
                    if reminded.contains(p.id), Double.random(in: 0..<1, using: &random) < 0.06 {
                        add(p, "bureau_counter_confirmation", "social_security_bureau")
                        reminded.remove(p.id)
                    }
                case .possessionOnly:
                    if r < 0.05 { add(p, "atm_withdrawal", "bank") }
                case .housebound:
                    if r < 0.01 { add(p, "pharmacy_purchase_insured", "health_insurance") }
                }
            }
            if !rows.isEmpty {
                var report = ImportReport()
                // The demo plays every department's feed at once.
                let feeds = EvidenceDelivery(
                    by: "demo:feeds", sources: nil, scope: nil, classes: [.strong, .reference, .death], receivedOn: day)
                try await store.evidence.importEvidence(rows, delivery: feeds, into: &report)
                totals.evidence += report.imported
            }
            _ = try await store.daily.sweep(on: day, by: "demo:sweep", batch: 20_000)
            let messages = try await store.casework.outbox(includeSent: false, limit: 100_000, unit: nil)
            reminded.formUnion(messages.map(\.personID))
            _ = try await store.casework.markSent(messages.map(\.id))
            // Community staff: most tasks closed 3 to 12 days after they open; the last weeks' stay open.
            if day < today.adding(days: -20) {
                for task in try await store.casework.tasks(unit: Self.cityCode) where task.createdOn.days(to: day) >= 3 {
                    guard Double.random(in: 0..<1, using: &random) < 0.15 else { continue }
                    let alive = index[task.personID].map { pensioners[$0].diesOn.map { $0 > day } ?? true } ?? true
                    let outcome: TaskOutcome =
                        task.kind == "phone_call"
                        ? .reached
                        : !alive ? .deceased : Double.random(in: 0..<1, using: &random) < 0.88 ? .seenAlive : .unreachable
                    let note = outcome == .seenAlive ? "入户见到本人，身体尚可" : outcome == .unreachable ? "两次上门无人应答" : nil
                    do {
                        _ = try await store.casework.completeTask(
                            task.id, outcome: outcome, on: day, note: note, by: "demo:community-staff")
                        totals.outcomes += 1
                    } catch let error as LedgerError where error.code == .taskClosed {
                        // Closed by the person's own certification earlier this day.
                    }
                }
            }
            // Payroll on the first of each month, for the month (the whole city, by the bureau).
            if day.description.hasSuffix("-01"), day > start.adding(months: 1) {
                do {
                    _ = try await store.money.runPayroll(month: Month(day), on: day, by: "demo:bureau")
                    totals.runs += 1
                } catch let error as LedgerError {
                    log("demo: payroll \(Month(day)) not run: \(error.message)")
                }
            }
            day = day.adding(days: 1)
        }
        log("demo: \(totals.evidence) evidence rows, \(totals.outcomes) task outcomes, \(totals.runs) payroll runs")
        let keyStore = store.keys
        return Keys(
            cityOperator: try await keyStore.createKey(
                name: "demo city operator", role: .operator, unit: Self.cityCode, holder: "demo.city"
            ).text,
            auditor: try await keyStore.createKey(name: "demo auditor", role: .auditor, unit: Self.cityCode).text,
            district: try await keyStore.createKey(
                name: "demo \(Self.districts[0].code) operator", role: .operator, unit: Self.districts[0].code,
                holder: "demo.district"
            )
            .text,
            kiosk: try await keyStore.createKey(name: "demo kiosk", role: .kiosk, unit: Self.districts[0].code).text)
    }
}
