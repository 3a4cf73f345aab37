import Ledger
import Testing

/// The pure rules of money decisions: the amount in force for a month, and where an effective
/// month may lie.
@Suite("Benefit amounts")
struct BenefitAmountsTests {
    static func month(_ text: String) -> Month { Month(text)! }

    @Test("the amount in force: the last entry on or before the month; a later decision for the same month supersedes")
    func inForce() {
        let history: [BenefitAmounts.Entry] = [
            .init(from: Self.month("2026-01"), fen: 300_000), .init(from: Self.month("2026-03"), fen: 350_000),
            .init(from: Self.month("2026-03"), fen: 360_000), .init(from: Self.month("2026-06"), fen: 320_000),
        ]
        #expect(BenefitAmounts.inForce(Self.month("2026-02"), history) == 300_000)
        #expect(BenefitAmounts.inForce(Self.month("2026-03"), history) == 360_000)
        #expect(BenefitAmounts.inForce(Self.month("2026-05"), history) == 360_000)
        #expect(BenefitAmounts.inForce(Self.month("2027-01"), history) == 320_000)
        #expect(BenefitAmounts.inForce(Self.month("2025-12"), history) == 300_000, "before the first entry: the first amount")
        #expect(BenefitAmounts.inForce(Self.month("2026-05"), []) == nil)
    }

    @Test("an effective month: readable, not before entry, at most 12 months back or ahead, never a month already paid")
    func effectiveMonth() {
        let day = Day("2026-07-10")!
        let enrolled = Day("2024-01-01")!
        func code(_ text: String, lastPaid: String? = nil) -> String? {
            do throws(LedgerError) {
                _ = try BenefitAmounts.effectiveMonth(text, on: day, enrolled: enrolled, lastPaid: lastPaid.flatMap(Month.init))
                return nil
            } catch { return error.code.rawValue + ": " + error.message }
        }
        #expect(code("2026-08") == nil)
        #expect(code("2025-07") == nil, "twelve months back")
        #expect(code("2025-06")?.contains("too far back") == true)
        #expect(code("2027-08")?.contains("too far ahead") == true)
        #expect(code("next month")?.hasPrefix("invalid_decision: effective_month 'next month' is not a YYYY-MM month") == true)
        #expect(code("2026-06", lastPaid: "2026-06")?.hasPrefix("person_state") == true)
        #expect(code("2026-07", lastPaid: "2026-06") == nil)
        #expect(code("2023-12")?.contains("before the person entered") == true)
    }
}
