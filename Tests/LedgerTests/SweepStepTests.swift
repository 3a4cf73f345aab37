import Foundation
import Ledger
import Testing

/// The sweep's step for one person (``SweepStep``): what the store and the simulator both apply.
@Suite("Sweep step")
struct SweepStepTests {
    static let rules = try! LedgerRules.shipped()
    static let engine = DeferralRules(rules: rules)

    static func subject(
        deadline: String, raised: Set<LedgerChange.Kind> = [], born: String = "1950-05-01", immobile: Bool = false,
        livesAlone: Bool = false, hasChannel: Bool = true
    ) -> SweepStep.Subject {
        SweepStep.Subject(
            ledger: PersonLedger(
                status: .active, servicePeriodMonths: 12, lastCertified: nil, deadline: Day(deadline)!, suspendedOn: nil, deathDay: nil),
            alreadyRaised: raised, birthDate: Day(born)!, immobile: immobile, livesAlone: livesAlone, hasChannel: hasChannel)
    }

    @Test("a warning queues the first reminder and opens the outreach the person needs")
    func warning() throws {
        let deadline = Day("2026-03-31")!
        let effects = SweepStep.run(Self.subject(deadline: "2026-03-31", immobile: true), on: Day("2026-01-10")!, rules: Self.engine)
        #expect(effects.changes.map(\.kind) == [.warning])
        #expect(effects.ledger == Self.subject(deadline: "2026-03-31").ledger)  // a warning leaves the ledger as it was
        #expect(effects.reminders == [SweepStep.Reminder(deadline: deadline, round: 1)])
        try #require(effects.tasks.count == 1)
        #expect(effects.tasks[0].kind == .homeVisit && effects.tasks[0].key == deadline)
        #expect(effects.tasks[0].reason.hasSuffix("(deadline 2026-03-31)"))
    }

    @Test("without WeChat or a phone: the reminder still (the community's staff deliver it), and a phone call")
    func noChannel() {
        let effects = SweepStep.run(Self.subject(deadline: "2026-03-31", hasChannel: false), on: Day("2026-01-10")!, rules: Self.engine)
        #expect(effects.reminders == [SweepStep.Reminder(deadline: Day("2026-03-31")!, round: 1)])
        #expect(effects.tasks.map(\.kind) == [.phoneCall])
    }

    @Test("a field check queues the second reminder and opens the field check, with the change's cause")
    func fieldCheck() throws {
        let effects = SweepStep.run(Self.subject(deadline: "2026-03-31", raised: [.warning]), on: Day("2026-03-10")!, rules: Self.engine)
        try #require(effects.changes.count == 1)
        #expect(effects.changes[0].kind == .fieldCheck)
        #expect(effects.reminders == [SweepStep.Reminder(deadline: Day("2026-03-31")!, round: 2)])
        #expect(effects.tasks.map(\.kind) == [.fieldCheck])
        #expect(effects.tasks.map(\.reason) == [effects.changes[0].cause])
    }

    @Test("past the deadline: suspended, nothing else, whatever was raised before")
    func suspension() {
        let effects = SweepStep.run(
            Self.subject(deadline: "2026-03-31", raised: [.warning, .fieldCheck]), on: Day("2026-04-01")!, rules: Self.engine)
        #expect(effects.changes.map(\.kind) == [.suspended])
        #expect(effects.ledger.status == .suspended && effects.ledger.suspendedOn == Day("2026-04-01"))
        #expect(effects.reminders.isEmpty && effects.tasks.isEmpty)
    }

    @Test("what was raised for the deadline is not raised again; far from it, nothing")
    func idempotent() {
        #expect(
            SweepStep.run(Self.subject(deadline: "2026-03-31", raised: [.fieldCheck]), on: Day("2026-03-10")!, rules: Self.engine)
                == SweepStep.Effects(ledger: Self.subject(deadline: "2026-03-31").ledger))
        #expect(SweepStep.run(Self.subject(deadline: "2026-12-31"), on: Day("2026-01-10")!, rules: Self.engine).changes.isEmpty)
    }
}

/// The import's amount reader: the byte-level path for plain amounts gives what `Decimal` gives.
@Suite("Amounts in yuan")
struct AmountTests {
    /// ``PersonInput/fen(_:)`` as it was before the byte-level path: the reference.
    static func decimalFen(_ text: String) -> Int? {
        guard let amount = Decimal(string: text.trimmingCharacters(in: .whitespaces)), amount >= 0, amount < 1_000_000 else { return nil }
        let fen = amount * 100
        var rounded = Decimal()
        var copy = fen
        NSDecimalRound(&rounded, &copy, 0, .plain)
        guard rounded == fen else { return nil }
        return NSDecimalNumber(decimal: rounded).intValue
    }

    @Test(
        "plain and unusual amounts read as Decimal reads them",
        arguments: [
            "0", "1", "3200", "3200.5", "3200.50", "3200.05", "999999.99", "000123.40", "1000000", "0999999.99", "12.", ".5", "1.234",
            "1.230", "-1", " 12 ", "", "abc",
        ])
    func sameAsDecimal(text: String) {
        #expect(PersonInput.fen(text) == Self.decimalFen(text))
    }

    @Test(
        "text that is not wholly an amount is refused, where Decimal would read its leading number",
        arguments: ["3,200", "1,500.50", "5,000", "1e3", "+5", "12 .5", "1..2", "٣٢٠٠", "12abc", "1.5.0", "."])
    func notWhollyAnAmount(text: String) {
        #expect(PersonInput.fen(text) == nil)
    }

    @Test("random amounts with up to two decimals")
    func random() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let yuan = Int.random(in: 0...1_200_000, using: &generator), fen = Int.random(in: 0...99, using: &generator)
            for text in ["\(yuan)", "\(yuan).\(fen)", "\(yuan).\(fen / 10)"] {
                #expect(PersonInput.fen(text) == Self.decimalFen(text), "\(text)")
            }
        }
    }
}

@Suite("Person names")
struct PersonNameTests {
    @Test("a name is trimmed of Unicode spaces and tabs as Foundation trims them", arguments: ["\u{3000}张三 ", "\t张三", "张三\u{00A0}", "张三"])
    func trimmed(name: String) throws {
        let id = try #require(ResidentID.completing("37020219500501001"))
        let input = PersonInput(
            residentID: id.value, name: name, birthDate: "1950-05-01", unitCode: "370202001001", benefitLevel: "1", monthlyAmount: "3200")
        let person = try input.validated(rules: try LedgerRules.shipped(), communities: ["370202001001"])
        #expect(person.name == "张三")
        #expect(person.monthlyAmountFen == 320_000)
    }

    @Test("a name with a control character is refused, never cut at it", arguments: ["Zhao\u{0000}Min", "Zhao\u{0007}Min", "张\u{001B}三"])
    func control(name: String) throws {
        let id = try #require(ResidentID.completing("37020219500501001"))
        let input = PersonInput(
            residentID: id.value, name: name, birthDate: "1950-05-01", unitCode: "370202001001", benefitLevel: "1", monthlyAmount: "3200")
        #expect(throws: LedgerError.self) { try input.validated(rules: try LedgerRules.shipped(), communities: ["370202001001"]) }
    }
}

@Suite("Reminder text")
struct ReminderTextTests {
    @Test(
        "the placeholders are filled as Foundation's replacingOccurrences filled them",
        arguments: ["王芳", "Zoë", "王{deadline}芳", "{name}", "a\u{301}", "🙂 {dead", ""])
    func sameAsFoundation(name: String) throws {
        let text = try LedgerRules.shipped().reminder_text
        let deadline = Day("2027-01-31")!
        let reminder = try #require(Reminder.compose(name: name, phone: "13900000000", wechatID: nil, deadline: deadline, text: text))
        let expected = text.replacingOccurrences(of: "{name}", with: name).replacingOccurrences(of: "{deadline}", with: "2027-01-31")
        #expect(reminder.message == expected)
        #expect(
            Reminder.compose(name: name, phone: "1", wechatID: nil, deadline: deadline, text: "{deadline}{name}{deadline}")?.message
                == "2027-01-31\(name.replacingOccurrences(of: "{deadline}", with: "2027-01-31"))2027-01-31")
    }
}
