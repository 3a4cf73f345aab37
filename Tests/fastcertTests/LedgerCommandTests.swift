import Foundation
import Ledger
import TestSupport
import Testing

/// The ledger commands through the real binary, on a real database file.
@Suite("fastcert ledger commands")
struct LedgerCommandTests {
    static func residentID(_ first17: String) -> String { ResidentID.completing(first17)!.value }

    @Test("import units, persons and evidence, sweep, and read a person, alerts and payroll back")
    func operatorDay() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            func write(_ name: String, _ text: String) throws -> String { try ledger.write(name, text) }
            func run(_ arguments: [String]) async throws -> CommandLineTests.Run { try await ledger.run(arguments) }
            let wang = Self.residentID("37020219400315001")
            let units = try write(
                "units.csv",
                "code,name,level,parent_code\n3702,Qingdao,city,\n370202,Shinan,district,3702\n370202001,Badaguan,street,370202\n370202001001,Taiping,community,370202001\n"
            )
            #expect(try await run(["units", "import", units]).stdout.contains("4 imported"))
            let persons = try write(
                "persons.csv",
                """
                resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
                \(wang),Wang Fang,1940-03-15,370202001001,3,3200.50,13800000000,,1,0
                370202194003150010,Typo,1940-03-15,370202001001,3,3200.50,,,0,0
                """)
            let imported = try await run(["persons", "import", persons, "--today", "2025-06-01"])
            #expect(imported.status == 4)
            #expect(imported.stdout.contains("1 imported") && imported.stderr.contains("line 3"))
            let evidence = try write(
                "feed.ndjson",
                """
                {"source": "bank", "external_id": "B-1", "resident_id": "\(wang)", "kind": "bank_counter_visit", "observed_at": "2026-01-05T10:00:00+08:00"}
                {"source": "health_insurance", "external_id": "H-1", "resident_id": "\(wang)", "kind": "outpatient_visit", "observed_at": "2026-01-20"}
                this line is not JSON
                """)
            let fed = try await run(["evidence", "import", evidence])
            #expect(fed.status == 4 && fed.stdout.contains("2 imported") && fed.stdout.contains("1 certified"))
            #expect(fed.stderr.contains("line 3: not a JSON object"))
            #expect(try await run(["evidence", "import", evidence]).stdout.contains("0 imported, 2 already present"))
            #expect(try await run(["ledger", "sweep", "--as-of", "2026-11-01"]).stdout.contains("1 warning"))
            let shown = try await run(["person", "show", wang])
            #expect(shown.status == 0)
            #expect(shown.stdout.contains("deadline 2027-01-20") && shown.stdout.contains("behaviour model"))
            #expect(try await run(["alerts", "--unit", "370202", "--kind", "warning"]).stdout.contains(wang))
            let early = try await run(["payroll", "run", "--month", "2026-11", "--today", "2026-10-31"])
            #expect(early.status != 0 && early.stderr.contains("can be run from 2026-11-01"))
            let payroll = try await run(["payroll", "run", "--month", "2026-11", "--today", "2026-11-01"])
            #expect(payroll.status == 0 && payroll.stdout.contains("payroll 2026-11: run on 2026-11-01"), "\(payroll.stderr)")
            #expect(try await run(["payroll", "run", "--month", "2026-11", "--today", "2026-11-02"]).stderr.contains("never repeated"))
            let export = try await run(["payroll", "export", "--month", "2026-11", "--unit", "370202"])
            #expect(export.stdout.hasPrefix("line,run_month,resident_id,name,unit_code,for_month,kind,amount,reason\n"))
            #expect(export.stdout.contains(",2026-11,\(wang),Wang Fang,370202001001,2026-11,regular,3200.50,"))
            #expect(try await run(["payroll", "list"]).stdout.contains("1 run(s)"))
            #expect(try await run(["recoveries", "list", "--unit", "3702"]).stdout.contains("0 case(s) under 3702"))
            let unknown = try await run(["person", "show", Self.residentID("11010519491231002")])
            #expect(unknown.status == 4 && unknown.stderr.contains("no person"))
        }
    }

    @Test("four eyes on the command line: the operator who asks cannot approve; another can; every decision names both")
    func fourEyes() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            func write(_ name: String, _ text: String) throws -> String { try ledger.write(name, text) }
            func run(_ arguments: [String], as user: String = "alice") async throws -> CommandLineTests.Run {
                try await ledger.run(arguments, environment: ["USER": user, "SUDO_USER": user])
            }
            let wang = Self.residentID("37020219400315001")
            let units = try write(
                "units.csv",
                "code,name,level,parent_code\n3702,Qingdao,city,\n370202,Shinan,district,3702\n370202001,Badaguan,street,370202\n370202001001,Taiping,community,370202001\n"
            )
            _ = try await run(["units", "import", units])
            let persons = try write(
                "persons.csv",
                """
                resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
                \(wang),Wang Fang,1940-03-15,370202001001,3,3200.50,13800000000,,1,0
                """)
            #expect(try await run(["persons", "import", persons, "--today", "2025-06-01"]).status == 0)
            #expect(try await run(["ledger", "sweep", "--as-of", "2026-06-02"]).stdout.contains("1 suspended"))
            let noReason = try await run(["decisions", "reinstate", wang, "--reason", " ", "--as-of", "2026-06-05"])
            #expect(noReason.status == 4 && noReason.stderr.contains("give a reason"))
            let asked = try await run(["decisions", "reinstate", wang, "--reason", "discharge letter seen", "--as-of", "2026-06-05"])
            #expect(asked.status == 0 && asked.stdout.contains("decision 1  reinstate  pending"), "\(asked.stderr)")
            let same = try await run(["decisions", "approve", "1", "--as-of", "2026-06-06"])
            #expect(same.status == 4 && same.stderr.contains("four eyes"), "\(same.stderr)")
            let approved = try await run(["decisions", "approve", "1", "--as-of", "2026-06-06"], as: "bob")
            #expect(approved.status == 0 && approved.stdout.contains("approved") && approved.stdout.contains("1 reinstated"))
            #expect(approved.stdout.contains("asked by cli:alice") && approved.stdout.contains("decided by cli:bob"))
            let listed = try await run(["decisions", "list", "--unit", "3702"])
            #expect(listed.stdout.contains("1 decision(s) under 3702"))
            #expect(try await run(["conflicts", "list", "--unit", "3702"]).stdout.contains("0 conflict(s) under 3702"))
            let shown = try await run(["person", "show", wang])
            #expect(shown.stdout.contains("reinstated") && shown.stdout.contains("active"))
        }
    }
}

/// A ledger file in a temporary folder, input files beside it, and the binary run on it.
struct CommandLedger {
    let folder: URL

    /// Writes an input file into the folder; returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appending(path: name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandLineTests.Run {
        try await CommandLineTests.run(arguments + ["--database", folder.appending(path: "ledger.sqlite").path], environment: environment)
    }
}
