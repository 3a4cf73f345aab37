import Ledger
import Testing

/// One table-driven test per rule and transition of the deferral method.
@Suite("Deferral rules")
struct DeferralRulesTests {
    static let rules = try! LedgerRules.shipped()
    static let engine = DeferralRules(rules: rules)

    static func day(_ text: String) -> Day { Day(text)! }

    static func active(deadline: String, period: Int = 12) -> PersonLedger {
        PersonLedger(
            status: .active, servicePeriodMonths: period, lastCertified: nil, deadline: day(deadline), suspendedOn: nil, deathDay: nil)
    }

    @Test("the shipped catalogue: 45 reference behaviours, every class, valid weights and periods")
    func shippedCatalogue() throws {
        let rules = Self.rules
        #expect(rules.kinds.filter { $0.class == .reference }.count == 45)
        for evidenceClass in LedgerRules.EvidenceClass.allCases {
            #expect(rules.kinds.contains { $0.class == evidenceClass }, "no \(evidenceClass) kind")
        }
        #expect(rules.kind("card_spending")?.weight == 0.3)
        #expect(rules.kind("police_household_deregistration")?.class == .death)
        #expect(rules.service_period_months.values.allSatisfy { (6...24).contains($0) })
        try rules.validate()
    }

    @Test(
        "certifying evidence moves the deadline to the observed day plus the period",
        arguments: [
            // (deadline before, period, observed, deadline after or nil when unchanged)
            ("2026-06-30", 12, "2026-03-10", "2027-03-10"),
            ("2026-06-30", 6, "2026-03-10", "2026-09-10"),
            ("2027-06-30", 6, "2026-03-10", nil),  // older evidence cannot pull a deadline back
            ("2026-06-30", 24, "2026-01-31", "2028-01-31"),
        ] as [(String, Int, String, String?)])
    func certification(before: String, period: Int, observed: String, after: String?) {
        var ledger = Self.active(deadline: before, period: period)
        ledger.lastCertified = Self.day("2025-06-30")
        let changes = Self.engine.certify(&ledger, on: Self.day(observed), cause: "test")
        if let after {
            #expect(changes.map(\.kind) == [.certified])
            #expect(ledger.deadline == Self.day(after))
            #expect(ledger.lastCertified == Self.day(observed))
        } else {
            #expect(changes.isEmpty)
            #expect(ledger.deadline == Self.day(before))
        }
    }

    @Test(
        "the sweep warns under 3 months, asks for a field check under 1, suspends after the deadline",
        arguments: [
            ("2026-03-31", "2025-12-31", nil),  // exactly 3 months left
            ("2026-03-31", "2026-01-01", LedgerChange.Kind.warning),
            ("2026-03-31", "2026-03-01", LedgerChange.Kind.fieldCheck),
            ("2026-03-31", "2026-03-31", LedgerChange.Kind.fieldCheck),
            ("2026-03-31", "2026-04-01", LedgerChange.Kind.suspended),
        ] as [(String, String, LedgerChange.Kind?)])
    func sweep(deadline: String, on: String, expected: LedgerChange.Kind?) {
        var ledger = Self.active(deadline: deadline)
        let changes = Self.engine.sweep(&ledger, on: Self.day(on), alreadyRaised: [])
        #expect(changes.map(\.kind) == (expected.map { [$0] } ?? []))
        #expect(ledger.status == (expected == .suspended ? .suspended : .active))
    }

    @Test("sweeping twice changes nothing the second time", arguments: ["2026-01-15", "2026-03-10", "2026-04-02"])
    func sweepIsIdempotent(on: String) {
        var ledger = Self.active(deadline: "2026-03-31")
        let first = Self.engine.sweep(&ledger, on: Self.day(on), alreadyRaised: [])
        let again = Self.engine.sweep(&ledger, on: Self.day(on), alreadyRaised: Set(first.map(\.kind)))
        #expect(first.count == 1)
        #expect(again.isEmpty)
    }

    @Test(
        "certification after suspension resumes (the next payroll run pays the owed months)",
        arguments: [("2026-04-01", "2026-04-20"), ("2026-04-01", "2026-07-03"), ("2026-04-15", "2026-03-20")])
    func resumption(suspended: String, certified: String) {
        var ledger = Self.active(deadline: "2026-03-31")
        ledger.status = .suspended
        ledger.suspendedOn = Self.day(suspended)
        let changes = Self.engine.certify(&ledger, on: Self.day(certified), cause: "home visit")
        #expect(changes.map(\.kind) == [.certified, .resumed])
        #expect(ledger.status == .active && ledger.suspendedOn == nil)
    }

    @Test("a death record makes the person deceased once; life after it is a conflict, life before it is history")
    func death() {
        var ledger = Self.active(deadline: "2026-09-30")
        #expect(Self.engine.recordDeath(&ledger, on: Self.day("2026-05-02"), cause: "cremation").map(\.kind) == [.deceased])
        #expect(Self.engine.recordDeath(&ledger, on: Self.day("2026-05-03"), cause: "deregistration").isEmpty)
        #expect(ledger.status == .deceased)
        #expect(Self.engine.certify(&ledger, on: Self.day("2026-04-30"), cause: "outpatient").isEmpty)
        #expect(Self.engine.certify(&ledger, on: Self.day("2026-05-20"), cause: "bank counter").map(\.kind) == [.conflict])
        #expect(ledger.status == .deceased)
        var swept = ledger
        #expect(Self.engine.sweep(&swept, on: Self.day("2026-12-01"), alreadyRaised: []).isEmpty)
    }

    @Test(
        "the behaviour model needs two departments, the threshold, and someone seen in person: possession never certifies",
        arguments: [
            (["card_spending"], false),
            (["card_spending", "card_pharmacy_spending", "card_transit_ride"], false),  // one department, however often
            (["outpatient_visit", "card_spending"], false),  // 1 - 0.2 * 0.7 = 0.86
            (["outpatient_visit", "bank_counter_visit"], true),  // 0.96
            (["rail_ticket_checked", "phone_call_activity"], true),  // 0.92
            (["phone_call_activity", "electricity_use", "atm_withdrawal"], false),
            // A relative with the card, the app, the senior card and the bank card: P = 0.910 from four departments.
            (["card_pharmacy_spending", "account_update_in_app", "bus_ride_senior_card", "atm_withdrawal"], false),
            (["card_spending", "account_update_in_app", "bus_ride_senior_card", "atm_withdrawal", "mobile_banking_face_login"], false),
            (["card_spending", "account_update_in_app", "bus_ride_senior_card", "hotel_check_in"], true),
        ])
    func behaviourModel(kinds: [String], certifies: Bool) {
        let events = kinds.map { name in
            let kind = Self.rules.kind(name)!
            return DeferralRules.ReferenceEvent(
                kind: name, source: kind.source, weight: kind.weight!, day: Self.day("2026-05-01"), presence: kind.proves == .presence)
        }
        #expect(Self.engine.score(events, endingOn: Self.day("2026-05-10")).certifies == certifies)
    }

    @Test("events outside the trailing window do not count")
    func window() {
        let old = DeferralRules.ReferenceEvent(
            kind: "outpatient_visit", source: "health_insurance", weight: 0.8, day: Self.day("2026-01-01"), presence: true)
        let recent = DeferralRules.ReferenceEvent(
            kind: "bank_counter_visit", source: "bank", weight: 0.8, day: Self.day("2026-05-01"), presence: true)
        #expect(Self.engine.score([old, recent], endingOn: Self.day("2026-05-01")).certifies == false)
        #expect(Self.engine.score([old, recent], endingOn: Self.day("2026-03-31")).sources.keys.sorted() == ["health_insurance"])
    }

    @Test(
        "the attention rule: 85 or older, an inpatient stay in the last 90 days, no certification since",
        arguments: [
            ("1940-01-01", "2026-04-01", nil, true),
            ("1950-01-01", "2026-04-01", nil, false),  // 76
            ("1940-01-01", "2025-12-01", nil, false),  // stay too long ago
            ("1940-01-01", "2026-04-01", "2026-04-10", false),  // certified since
        ] as [(String, String, String?, Bool)])
    func attention(birth: String, stay: String, certified: String?, expected: Bool) {
        var ledger = Self.active(deadline: "2026-12-31")
        ledger.lastCertified = certified.map(Self.day)
        #expect(
            Self.engine.needsAttention(
                birthDate: Self.day(birth), lastInpatient: Self.day(stay), ledger: ledger, on: Self.day("2026-05-01")) == expected)
    }
}
