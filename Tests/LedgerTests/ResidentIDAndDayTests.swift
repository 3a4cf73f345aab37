import Foundation
import Ledger
import Testing

@Suite("Resident IDs")
struct ResidentIDTests {
    // The standard's worked example (11010519491231002X) and IDs built with the check rule.
    @Test(
        "valid IDs are accepted, with their birth date",
        arguments: [
            ("11010519491231002X", "1949-12-31"), ("11010519491231002x", "1949-12-31"), ("370202195003150013", "1950-03-15"),
        ])
    func valid(text: String, birth: String) throws {
        let id = try ResidentID(text)
        #expect(id.value == text.uppercased())
        #expect(id.birthDate == Day(birth))
    }

    @Test(
        "invalid IDs are refused with the reason",
        arguments: [
            ("11010519491231002", "18 characters"), ("1101051949123100X2", "digits"), ("110105194912310020", "check character"),
            ("110105194913310021", "birth date"), ("", "18 characters"),
        ])
    func invalid(text: String, mentions: String) {
        do {
            _ = try ResidentID(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == .invalidResidentId)
            #expect(error.message.contains(mentions), "\(error.message)")
            #expect(!error.message.contains(text) || text.count < 9, "the message must not print the full ID")
        }
    }

    @Test("an ID prints masked")
    func masked() throws {
        let id = try ResidentID("11010519491231002X")
        #expect("\(id)" == "1101**********002X")
    }
}

@Suite("Calendar days")
struct DayTests {
    @Test(
        "calendar-month arithmetic clamps to the month's end",
        arguments: [
            ("2026-01-31", 1, "2026-02-28"), ("2024-01-31", 1, "2024-02-29"), ("2026-03-31", -1, "2026-02-28"),
            ("2026-11-15", 3, "2027-02-15"), ("2026-05-20", 24, "2028-05-20"), ("2026-01-10", -13, "2024-12-10"),
        ])
    func addingMonths(start: String, months: Int, expected: String) {
        #expect(Day(start)!.adding(months: months) == Day(expected))
    }

    @Test("days since the epoch round-trip, and instants fall on Beijing days")
    func epoch() {
        for text in ["1970-01-01", "1949-10-01", "2000-02-29", "2026-11-29", "2100-12-31"] {
            let day = Day(text)!
            #expect(Day(daysSinceEpoch: day.daysSinceEpoch) == day)
        }
        #expect(Day("1970-01-02")!.daysSinceEpoch == 1)
        // 2026-11-29 20:00 UTC is already 30 November in Beijing.
        #expect(Day(Date(timeIntervalSince1970: 1_795_982_400)) == Day("2026-11-30"))
    }

    @Test("malformed and impossible dates are refused", arguments: ["2026-02-29", "2026-13-01", "2026-1-01", "26-01-01", "", "2026-04-31"])
    func invalid(text: String) {
        #expect(Day(text) == nil)
    }

    @Test("age on a day")
    func age() {
        #expect(Day("1940-03-15")!.age(on: Day("2026-03-14")!) == 85)
        #expect(Day("1940-03-15")!.age(on: Day("2026-03-15")!) == 86)
    }
}

@Suite("Generated resident IDs")
struct CompletingTests {
    @Test("completing 17 digits gives the valid ID; non-digits or a bad birth date give nil")
    func completing() {
        #expect(ResidentID.completing("11010519491231002")?.value == "11010519491231002X")
        #expect(ResidentID.completing("1101051949123100") == nil)
        #expect(ResidentID.completing("11010519491331002") == nil)
    }
}
