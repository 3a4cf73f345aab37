import Foundation
import Ledger
import Testing

/// The evidence dispatch (``DeferralRules/apply(_:on:cause:to:facts:)``), the one both stores
/// call: what each class does, and which facts it reads (a store queries for each).
@Suite("Evidence rule")
struct EvidenceRuleTests {
    /// The shipped rules with a 24-month anchor, the days below are written for.
    static let rules = {
        var rules = try! LedgerRules.shipped()
        rules.behaviour_model.anchor_months = 24
        return rules
    }()
    static let engine = DeferralRules(rules: rules)

    static func day(_ text: String) -> Day { Day(text)! }
    static func kind(_ name: String) -> LedgerRules.Kind { rules.kind(name)! }

    /// Facts given in advance, with the reads the rule made.
    final class Facts: EvidenceFacts {
        typealias Failure = Never
        var events: [DeferralRules.ReferenceEvent] = []
        var anchorDay: Day
        /// The last identity-checked presence from another department (default: the anchor).
        var corroborationDay: Day?
        var entryDay = Day("2020-01-01")!
        var lookBackChanges: [LedgerChange] = []
        var reads: [String] = []

        init(anchor: Day) { anchorDay = anchor }

        func corroboration(excluding source: String, onOrBefore day: Day) -> Day {
            reads.append("corroboration")
            return corroborationDay ?? anchorDay
        }
        func entry() -> Day {
            reads.append("entry")
            return entryDay
        }

        func window(endingOn day: Day) -> [DeferralRules.ReferenceEvent] {
            reads.append("window")
            return events
        }
        func anchor(onOrBefore day: Day) -> Day {
            reads.append("anchor")
            return anchorDay
        }
        func lookBack(death: Day) -> [LedgerChange] {
            reads.append("lookBack")
            return lookBackChanges
        }
    }

    /// Certified on 2026-01-10 with a 12-month period: deadline 2027-01-10.
    static func certified() -> PersonLedger {
        PersonLedger(
            status: .active, servicePeriodMonths: 12, lastCertified: day("2026-01-10"), deadline: day("2027-01-10"), suspendedOn: nil,
            deathDay: nil)
    }

    static func event(_ name: String, _ on: String) -> DeferralRules.ReferenceEvent {
        let kind = kind(name)
        return DeferralRules.ReferenceEvent(
            kind: kind.kind, source: kind.source, weight: kind.weight!, day: day(on), presence: kind.proves == .presence)
    }

    @Test("strong, biometric and visit evidence certify at once, reading the entry (another department's strong reads its corroboration)")
    func anchoring() {
        for name in ["bureau_counter_confirmation", "home_visit"] {
            var ledger = Self.certified()
            let facts = Facts(anchor: Self.day("2026-01-10"))
            let changes = Self.engine.apply(Self.kind(name), on: Self.day("2026-05-01"), cause: "c", to: &ledger, facts: facts)
            #expect(changes.map(\.kind) == [.certified])
            #expect(ledger.deadline == Self.day("2027-05-01"))
            // The service's own counter and visit are never one department among others: no corroboration read.
            #expect(facts.reads == ["entry"])
        }
        #expect(LedgerRules.EvidenceClass.allCases.filter(\.anchors) == [.strong, .biometric, .visit])
    }

    @Test("a first death records it and adds the look-back; a second reads nothing")
    func death() {
        var ledger = Self.certified()
        let facts = Facts(anchor: Self.day("2026-01-10"))
        facts.lookBackChanges = [LedgerChange(kind: .conflict, day: Self.day("2026-04-02"), cause: "card after death")]
        let death = Self.kind("police_household_deregistration")
        let first = Self.engine.apply(death, on: Self.day("2026-04-01"), cause: "c", to: &ledger, facts: facts)
        #expect(first.map(\.kind) == [.deceased, .conflict])
        #expect(ledger.status == .deceased && ledger.deathDay == Self.day("2026-04-01"))
        #expect(facts.reads == ["lookBack"])
        let second = Self.engine.apply(death, on: Self.day("2026-04-05"), cause: "c", to: &ledger, facts: facts)
        #expect(second.isEmpty && facts.reads == ["lookBack"])
    }

    @Test("a behaviour event after a recorded death is a conflict, unscored")
    func lifeAfterDeath() {
        var ledger = Self.certified()
        ledger.status = .deceased
        ledger.deathDay = Self.day("2026-03-01")
        let facts = Facts(anchor: Self.day("2026-01-10"))
        let changes = Self.engine.apply(Self.kind("card_spending"), on: Self.day("2026-03-05"), cause: "c", to: &ledger, facts: facts)
        #expect(changes.map(\.kind) == [.conflict])
        #expect(facts.reads.isEmpty)
    }

    @Test(
        "a behaviour event that cannot move the deadline far enough reads nothing",
        arguments: [
            "2026-01-05",  // before the last certification: cannot move at all
            "2026-01-14",  // 4 days past it: under min_deadline_move_days (7)
        ])
    func tooLittle(observed: String) {
        var ledger = Self.certified()
        let facts = Facts(anchor: Self.day("2026-01-10"))
        let changes = Self.engine.apply(
            Self.kind("outpatient_visit"), on: Self.day(observed), cause: "c", to: &ledger, facts: facts)
        #expect(changes.isEmpty && ledger == Self.certified())
        #expect(facts.reads.isEmpty)
    }

    @Test("past the anchor's limit the window is never read")
    func pastAnchor() {
        var ledger = Self.certified()
        let facts = Facts(anchor: Self.day("2023-06-01"))  // anchor_months (24) end 2025-06-01
        let changes = Self.engine.apply(
            Self.kind("outpatient_visit"), on: Self.day("2026-05-01"), cause: "c", to: &ledger, facts: facts)
        #expect(changes.isEmpty && ledger == Self.certified())
        #expect(facts.reads == ["anchor"])
    }

    @Test("a passing window certifies by behaviour, up to the anchor's limit, naming the score")
    func passing() throws {
        var ledger = Self.certified()
        let facts = Facts(anchor: Self.day("2025-03-01"))  // limit 2027-03-01
        facts.events = [Self.event("outpatient_visit", "2026-04-20"), Self.event("bank_counter_visit", "2026-04-25")]
        let changes = Self.engine.apply(
            Self.kind("bank_counter_visit"), on: Self.day("2026-05-01"), cause: "latest", to: &ledger, facts: facts)
        let change = try #require(changes.first)
        #expect(changes.map(\.kind) == [.certified])
        #expect(change.cause.hasPrefix("behaviour model P="))
        #expect(change.cause.contains("(latest: latest)"))
        #expect(ledger.deadline == Self.day("2027-03-01"))
        #expect(facts.reads == ["anchor", "entry", "window"])
    }

    @Test("without a cause (the simulator's) the same ledger and changes, the causes left empty")
    func noCause() throws {
        var described = Self.certified(), bare = Self.certified()
        let facts = Facts(anchor: Self.day("2025-03-01"))
        facts.events = [Self.event("outpatient_visit", "2026-04-20"), Self.event("bank_counter_visit", "2026-04-25")]
        let kind = Self.kind("bank_counter_visit"), day = Self.day("2026-05-01")
        let full = Self.engine.apply(kind, on: day, cause: "latest", to: &described, facts: facts)
        let none = Self.engine.apply(kind, on: day, cause: nil, to: &bare, facts: facts)
        #expect(bare == described)
        #expect(none.map(\.kind) == full.map(\.kind) && none.map(\.deadline) == full.map(\.deadline))
        #expect(none.allSatisfy { !$0.cause.contains("behaviour model") })
    }

    @Test("possession alone never certifies, after reading the window")
    func possessionOnly() {
        var ledger = Self.certified()
        let facts = Facts(anchor: Self.day("2026-01-10"))
        facts.events = [Self.event("card_spending", "2026-04-20"), Self.event("atm_withdrawal", "2026-04-25")]
        let changes = Self.engine.apply(
            Self.kind("atm_withdrawal"), on: Self.day("2026-05-01"), cause: "c", to: &ledger, facts: facts)
        #expect(changes.isEmpty && ledger == Self.certified())
        #expect(facts.reads == ["anchor", "entry", "window"])
    }

    @Test("evidence observed before entry moves nothing; a death record before it still counts")
    func beforeEntry() {
        var ledger = Self.certified()
        let facts = Facts(anchor: Self.day("2026-01-10"))
        facts.entryDay = Self.day("2026-03-01")
        for name in ["bureau_counter_confirmation", "face_verification_kiosk", "home_visit"] {
            #expect(Self.engine.apply(Self.kind(name), on: Self.day("2026-02-01"), cause: "c", to: &ledger, facts: facts).isEmpty)
        }
        #expect(ledger == Self.certified())
        let death = Self.engine.apply(
            Self.kind("hospital_death_certificate"), on: Self.day("2026-02-01"), cause: "c", to: &ledger, facts: facts)
        #expect(death.map(\.kind) == [.deceased])
    }

    @Test("one department's strong evidence carries a person only single_source_months past another's identity-checked presence")
    func singleSource() throws {
        var ledger = Self.certified()
        let facts = Facts(anchor: Self.day("2026-01-10"))
        facts.corroborationDay = Self.day("2025-01-01")  // limit 2027-01-01 with 24 months
        let months = Self.rules.corroboration.single_source_months
        let limit = Self.day("2025-01-01").adding(months: months)
        let changes = Self.engine.apply(
            Self.kind("health_commission_confirmation"), on: Self.day("2026-06-01"), cause: "c", to: &ledger, facts: facts)
        let change = try #require(changes.first)
        #expect(ledger.deadline == max(limit, Self.certified().deadline))
        #expect(change.cause.contains("health_commission alone carries the person only to"))
        // Past the limit it certifies nothing.
        var late = Self.certified()
        #expect(
            Self.engine.apply(
                Self.kind("health_commission_confirmation"), on: limit.adding(days: 1), cause: "c", to: &late, facts: facts
            ).isEmpty)
    }
}
