import Foundation
import Ledger
import TestSupport
import Testing

/// Money changes are decisions (issue 29, part 4), through the real binary on a real database file.
@Suite("fastcert money decisions")
struct MoneyDecisionCommandTests {
    @Test(
        "an amount raised from March with approval: suspended from January, reinstated in April, May's run pays January-February at the old amount and March on at the new"
    )
    func amountFromMarch() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            // Each step on its day (the test clock); operators with their own keys, issued to them by name.
            var keys: [String: String] = [:]
            func run(_ arguments: [String], as user: String = "alice", on today: String) async throws -> CommandLineTests.Run {
                var environment = [ServiceClock.testVariable: today]
                environment["FASTCERT_KEY"] = keys[user]
                return try await ledger.run(arguments, environment: environment)
            }
            let wang = LedgerCommandTests.residentID("37020219400315001")
            let units = try ledger.write(
                "units.csv",
                "code,name,level,parent_code\n3702,Qingdao,city,\n370202,Shinan,district,3702\n370202001,Badaguan,street,370202\n370202001001,Taiping,community,370202001\n"
            )
            _ = try await run(["units", "import", units], on: "2025-12-20")
            for holder in ["alice", "bob"] {
                keys[holder] = try await LedgerCommandTests.key(
                    ledger, ["--role", "operator", "--unit", "3702", "--name", "city office", "--holder", holder])
            }
            let persons = try ledger.write(
                "persons.csv",
                """
                resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
                \(wang),Wang Fang,1940-03-15,370202001001,3,3200.50,13800000000,,1,0
                """)
            // Level 3: twelve months from 2025-12-20, so suspended once 2026-12-20 has passed.
            #expect(try await run(["persons", "import", persons], on: "2025-12-20").status == 0)
            #expect(try await run(["payroll", "run", "--month", "2026-12"], on: "2026-12-01").status == 0)
            #expect(try await run(["ledger", "sweep", "--as-of", "2026-12-21"], on: "2026-12-21").stdout.contains("1 suspended"))
            for month in ["2027-01", "2027-02"] {
                let paid = try await run(["payroll", "run", "--month", month], on: "\(month)-01")
                #expect(paid.status == 0 && paid.stdout.contains("0 line"), "\(paid.stdout)")
            }

            // The raise: refused without a reason or a readable month, asked with both, approved by another operator.
            let noReason = try await run(
                [
                    "decisions", "change-benefit", wang, "--amount", "3500", "--effective-month", "2027-03", "--reason", " ",
                ], on: "2027-02-10")
            #expect(noReason.status == 4 && noReason.stderr.contains("give a reason"))
            let badMonth = try await run(
                [
                    "decisions", "change-benefit", wang, "--amount", "3500", "--effective-month", "March", "--reason", "review",
                ], on: "2027-02-10")
            #expect(badMonth.status == 4 && badMonth.stderr.contains("is not a YYYY-MM month"))
            let asked = try await run(
                [
                    "decisions", "change-benefit", wang, "--amount", "3500", "--effective-month", "2027-03", "--reason",
                    "annual pension review",
                ], on: "2027-02-10")
            #expect(asked.status == 0 && asked.stdout.contains("change_benefit  pending"), "\(asked.stderr)")
            #expect(asked.stdout.contains("amount 3500.00") && asked.stdout.contains("from 2027-03"))
            let decision = try #require(asked.stdout.split(separator: " ").dropFirst().first.map(String.init))
            let same = try await run(["decisions", "approve", decision], on: "2027-02-11")
            #expect(same.status == 4 && same.stderr.contains("four eyes"), "\(same.stderr)")
            let approved = try await run(["decisions", "approve", decision], as: "bob", on: "2027-02-11")
            #expect(
                approved.status == 0 && approved.stdout.contains("approved") && approved.stdout.contains("1 edited"), "\(approved.stderr)")

            for month in ["2027-03", "2027-04"] {
                #expect(try await run(["payroll", "run", "--month", month], on: "\(month)-01").status == 0)
            }
            // Reinstated at the end of April (four eyes too).
            let reinstate = try await run(["decisions", "reinstate", wang, "--reason", "discharge letter seen"], on: "2027-04-28")
            let second = try #require(reinstate.stdout.split(separator: " ").dropFirst().first.map(String.init))
            #expect(try await run(["decisions", "approve", second], as: "bob", on: "2027-04-29").status == 0)
            #expect(try await run(["payroll", "run", "--month", "2027-05"], on: "2027-05-01").status == 0)
            let export = try await run(["payroll", "export", "--month", "2027-05", "--unit", "3702"], on: "2027-05-01")
            let lines = export.stdout.split(separator: "\n").filter { $0.contains(wang) }.map { line -> String in
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                return "\(cells[5]) \(cells[6]) \(cells[7])"
            }
            #expect(
                lines == [
                    "2027-01 back_pay 3200.50", "2027-02 back_pay 3200.50", "2027-03 back_pay 3500.00", "2027-04 back_pay 3500.00",
                    "2027-05 regular 3500.00",
                ], "\(export.stdout)")
            let shown = try await run(["person", "show", wang], on: "2027-05-01")
            #expect(shown.stdout.contains("amount 3200.50 to 3500.00 from 2027-03"), "\(shown.stdout)")
        }
    }
}
