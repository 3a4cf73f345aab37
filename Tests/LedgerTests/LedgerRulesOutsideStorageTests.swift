import Foundation
import Ledger
import Testing

/// Rules that used to live inside the SQLite store, now pure: payroll arithmetic, reminders,
/// person validation, what a death closes.
@Suite("Payroll, reminders and person checks")
struct LedgerRulesOutsideStorageTests {
    static let rules = try! LedgerRules.shipped()
    static let december = Month(Day("2026-12-01")!)

    static func line(_ changes: [(LedgerChange.Kind, String, Int?)], month: Month = december) -> PayrollLine {
        var line = PayrollLine(personID: "p", name: "n", unitCode: "c", monthlyAmountFen: 320_050)
        for (kind, day, owed) in changes { line.apply(kind, on: Day(day)!, backPayMonths: owed, for: month) }
        return line
    }

    @Test("payroll: suspended and dead persons are not paid; back pay only in the month after the resumption")
    func payroll() {
        #expect(Self.line([]).totalFen == 320_050)
        #expect(Self.line([(.suspended, "2026-10-02", nil)]).totalFen == 0)
        #expect(Self.line([(.suspended, "2026-09-02", nil), (.resumed, "2026-11-20", 2)]).totalFen == 3 * 320_050)
        #expect(Self.line([(.suspended, "2026-08-02", nil), (.resumed, "2026-10-20", 2)]).totalFen == 320_050)
        #expect(Self.line([(.deceased, "2026-11-03", nil)]).status == .deceased)
        #expect(!Self.line([(.deceased, "2026-11-03", nil)]).payable)
        #expect(Self.line([(.warning, "2026-11-01", nil), (.certified, "2026-11-05", nil)]).payable)
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
