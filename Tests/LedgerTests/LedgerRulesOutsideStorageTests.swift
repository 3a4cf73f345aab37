import Foundation
import Ledger
import Testing

/// Rules that used to live inside the SQLite store, now pure: what a payroll run owes, reminders,
/// person validation, what a death closes.
@Suite("Payroll, reminders and person checks")
struct LedgerRulesOutsideStorageTests {
    static let rules = try! LedgerRules.shipped()
    static let december = Month(Day("2026-12-01")!)

    static func standing(
        _ status: PersonLedger.Status = .active, suspended: String? = nil, death: String? = nil, held: String? = nil,
        first: String = "2026-01"
    ) -> Payroll.Standing {
        Payroll.Standing(
            status: status, suspendedOn: suspended.flatMap(Day.init), deathDay: death.flatMap(Day.init), heldSince: held.flatMap(Day.init),
            firstMonth: Month(first)!)
    }

    static func paid(_ standing: Payroll.Standing, _ months: [String] = []) -> [String] {
        Payroll.payments(standing, run: december, paid: Set(months.compactMap(Month.init))).map { "\($0.month) \($0.kind.rawValue)" }
    }

    static let throughNovember = (1...11).map { String(format: "2026-%02d", $0) }

    @Test("payroll: each owed month not yet paid, once; the suspended and held up to their day's month; the dead nothing")
    func payroll() {
        #expect(Self.paid(Self.standing(), Self.throughNovember) == ["2026-12 regular"])
        #expect(Self.paid(Self.standing(), Self.throughNovember + ["2026-12"]).isEmpty, "a month is paid once")
        // Suspended on 10-02: October was paid on its first day; November and December are not owed yet.
        #expect(Self.paid(Self.standing(.suspended, suspended: "2026-10-02"), Self.throughNovember).isEmpty)
        // Resumed: the months not paid during the suspension are back pay, whatever the evidence's day.
        #expect(
            Self.paid(Self.standing(), Array(Self.throughNovember.prefix(9)))
                == ["2026-10 back_pay", "2026-11 back_pay", "2026-12 regular"])
        // Suspended again before the run: months before the suspension's day still owed are paid.
        #expect(
            Self.paid(Self.standing(.suspended, suspended: "2026-11-05"), Array(Self.throughNovember.prefix(9))) == [
                "2026-10 back_pay", "2026-11 back_pay",
            ])
        #expect(Self.paid(Self.standing(held: "2026-11-15"), Array(Self.throughNovember.prefix(10))) == ["2026-11 back_pay"])
        // Suspended with no day (a record edited behind the service): nothing, not every month.
        #expect(Self.paid(Self.standing(.suspended), Array(Self.throughNovember.prefix(9))).isEmpty)
        #expect(Self.paid(Self.standing(.deceased, death: "2026-11-03"), Array(Self.throughNovember.prefix(9))).isEmpty)
        // Nothing before the first month (the first stored run, or entry into the ledger).
        #expect(Self.paid(Self.standing(first: "2026-12")) == ["2026-12 regular"])
        #expect(Payroll.lastPayable(Self.standing(first: "2027-01"), run: Self.december) == nil)
        #expect(
            Payroll.paidAfterDeath(Day("2026-10-31")!, paid: Self.throughNovember.compactMap(Month.init)).map(\.description) == ["2026-11"])
    }

    @Test("payroll CSV cells cannot start a spreadsheet formula, and are quoted when they must be")
    func csvCells() {
        #expect(
            CSVText.row(["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "Wang, Fang", "plain"])
                == "\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'-2,'@SUM(A1),\"Wang, Fang\",plain\n")
        #expect(CSVText.cell("\tcmd") == "'\tcmd")
        #expect(CSVText.cell("3200.50") == "3200.50")
    }

    @Test(
        "a reminder goes by WeChat when there is an id, else by SMS, else not at all",
        arguments: [
            ("13800000000" as String?, "wx-1" as String?, Reminder.Channel.wechat, "wx-1"), ("13800000000", nil, .sms, "13800000000"),
            ("13800000000", "", .sms, "13800000000"),
        ])
    func reminder(phone: String?, wechat: String?, channel: Reminder.Channel, recipient: String) throws {
        let reminder = try #require(
            Reminder.compose(name: "王芳", phone: phone, wechatID: wechat, deadline: Day("2027-01-31")!, text: Self.rules.reminder_text))
        #expect(reminder.channel == channel && reminder.recipient == recipient)
        #expect(reminder.message.contains("2027-01-31") && !reminder.message.contains("{deadline}") && !reminder.message.contains("{name}"))
    }

    @Test("no channel, no reminder")
    func noChannel() {
        #expect(Reminder.compose(name: "王芳", phone: nil, wechatID: nil, deadline: Day("2027-01-31")!, text: "{name}") == nil)
    }

    @Test("a death closes open tasks; nothing else does")
    func deathClosesTasks() {
        for kind in LedgerChange.Kind.allCases {
            #expect(LedgerChange(kind: kind, day: Day("2026-01-01")!, cause: "test").closesOpenTasks == (kind == .deceased))
        }
    }

    static let id = ResidentID.completing("37020219400315001")!.value

    @Test(
        "person checks name the field at fault",
        arguments: [
            (
                PersonInput(residentID: id, name: " ", birthDate: "1940-03-15", unitCode: "c1", benefitLevel: "1", monthlyAmount: "10"),
                "invalid_name"
            ),
            (
                PersonInput(residentID: id, name: "A", birthDate: "1941-03-15", unitCode: "c1", benefitLevel: "1", monthlyAmount: "10"),
                "invalid_birth_date"
            ),
            (
                PersonInput(residentID: id, name: "A", birthDate: "1940-03-15", unitCode: "zz", benefitLevel: "1", monthlyAmount: "10"),
                "unknown_community"
            ),
            (
                PersonInput(residentID: id, name: "A", birthDate: "1940-03-15", unitCode: "c1", benefitLevel: "99", monthlyAmount: "10"),
                "invalid_benefit_level"
            ),
            (
                PersonInput(residentID: id, name: "A", birthDate: "1940-03-15", unitCode: "c1", benefitLevel: "1", monthlyAmount: "1.001"),
                "invalid_amount"
            ),
            (
                PersonInput(
                    residentID: "370202194003150010", name: "A", birthDate: "1940-03-15", unitCode: "c1", benefitLevel: "1",
                    monthlyAmount: "1"), "invalid_resident_id"
            ),
        ])
    func personChecks(input: PersonInput, code: String) {
        #expect(throws: LedgerError.self) { try input.validated(rules: Self.rules, communities: ["c1"]) }
        do {
            _ = try input.validated(rules: Self.rules, communities: ["c1"])
        } catch {
            #expect(error.code.rawValue == code, "\(error)")
        }
    }

    @Test("a valid person gets the service period of the level and the amount in fen")
    func validPerson() throws {
        let level = try #require(Self.rules.service_period_months.keys.sorted().first)
        let person = try PersonInput(
            residentID: Self.id, name: " 王芳 ", birthDate: "1940-03-15", unitCode: "c1", benefitLevel: level, monthlyAmount: "3200.50",
            phone: "", wechatID: "wx"
        ).validated(rules: Self.rules, communities: ["c1"])
        #expect(person.name == "王芳" && person.monthlyAmountFen == 320_050 && person.phone == nil && person.wechatID == "wx")
        #expect(person.servicePeriodMonths == Self.rules.servicePeriodMonths(level: level))
    }
}
