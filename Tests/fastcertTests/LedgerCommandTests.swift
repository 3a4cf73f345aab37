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
            // A run is dated the service's today (the test clock here).
            func runDated(_ arguments: [String], on today: String) async throws -> CommandLineTests.Run {
                try await ledger.run(arguments, environment: [ServiceClock.testVariable: today])
            }
            let early = try await runDated(["payroll", "run", "--month", "2026-11"], on: "2026-10-31")
            #expect(early.status != 0 && early.stderr.contains("can be run from 2026-11-01"))
            let payroll = try await runDated(["payroll", "run", "--month", "2026-11"], on: "2026-11-01")
            #expect(payroll.status == 0 && payroll.stdout.contains("payroll 2026-11: run on 2026-11-01"), "\(payroll.stderr)")
            #expect(try await runDated(["payroll", "run", "--month", "2026-11"], on: "2026-11-02").stderr.contains("never repeated"))
            let export = try await run(["payroll", "export", "--month", "2026-11", "--unit", "370202"])
            // The run's chain head first (a comment line), then the CSV.
            #expect(export.stdout.hasPrefix("# run 2026-11 chain_head "), "\(export.stdout.prefix(200))")
            #expect(export.stdout.contains("\nline,run_month,resident_id,name,unit_code,for_month,kind,amount,reason\n"))
            #expect(export.stdout.contains(",2026-11,\(wang),Wang Fang,370202001001,2026-11,regular,3200.50,"))
            #expect(try await run(["payroll", "list"]).stdout.contains("1 run(s)"))
            #expect(try await run(["recoveries", "list", "--unit", "3702"]).stdout.contains("0 case(s) under 3702"))
            let unknown = try await run(["person", "show", Self.residentID("11010519491231002")])
            #expect(unknown.status == 4 && unknown.stderr.contains("no person"))
        }
    }

    /// Units and one person (Wang Fang, level 3: certified to 2026-06-01 from an import of
    /// 2025-06-01) in a fresh ledger.
    static func seed(_ ledger: CommandLedger) async throws -> String {
        let wang = Self.residentID("37020219400315001")
        let units = try ledger.write(
            "units.csv",
            "code,name,level,parent_code\n3702,Qingdao,city,\n370202,Shinan,district,3702\n370202001,Badaguan,street,370202\n370202001001,Taiping,community,370202001\n"
        )
        #expect(try await ledger.run(["units", "import", units]).status == 0)
        let persons = try ledger.write(
            "persons.csv",
            """
            resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
            \(wang),Wang Fang,1940-03-15,370202001001,3,3200.50,13800000000,,1,0
            """)
        #expect(try await ledger.run(["persons", "import", persons, "--today", "2025-06-01"]).status == 0)
        return wang
    }

    /// Issues a key with `keys create` and returns its text.
    static func key(_ ledger: CommandLedger, _ arguments: [String]) async throws -> String {
        let created = try await ledger.run(["keys", "create"] + arguments)
        try #require(created.status == 0, "\(created.stderr)")
        return created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("who entered a person and when is recorded and shown: the system account without a key, the holder with one")
    func personEntry() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            let wang = try await Self.seed(ledger)
            let system = try await ledger.run(["person", "show", wang])
            #expect(system.stdout.contains("entered ") && system.stdout.contains(" by system:"), "\(system.stdout)")
            let units = try ledger.write(
                "more-units.csv",
                "code,name,level,parent_code\n370203,Shibei,district,3702\n370203001,Taidong,street,370203\n370203001001,Taidong,community,370203001\n"
            )
            #expect(try await ledger.run(["units", "import", units]).status == 0)
            let alice = try await Self.key(
                ledger, ["--role", "operator", "--unit", "370202", "--name", "Shinan office", "--holder", "alice"])
            let kiosk = try await Self.key(ledger, ["--role", "kiosk", "--unit", "370202", "--name", "Taiping kiosk"])
            let sun = Self.residentID("37020219450101003")
            let zhao = Self.residentID("37020319450101002")
            let persons = try ledger.write(
                "more.csv",
                """
                resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
                \(sun),Sun Li,1945-01-01,370202001001,5,3200.50,,,0,0
                \(zhao),Zhao Lei,1945-01-01,370203001001,2,2800,,,0,0
                """)
            let arguments = ["persons", "import", persons, "--today", "2025-06-01"]
            let byKiosk = try await ledger.run(arguments, environment: ["FASTCERT_KEY": kiosk])
            #expect(byKiosk.status == 4 && byKiosk.stderr.contains("forbidden_role"), "\(byKiosk.stderr)")
            // An operator key imports within its unit: another district's community is refused by row.
            let imported = try await ledger.run(arguments, environment: ["FASTCERT_KEY": alice])
            #expect(imported.status == 4 && imported.stdout.contains("1 imported"), "\(imported.stdout) \(imported.stderr)")
            #expect(imported.stderr.contains("line 3") && imported.stderr.contains("outside the units"), "\(imported.stderr)")
            let shown = try await ledger.run(["person", "show", sun])
            #expect(shown.stdout.contains(" by alice via fc_"), "\(shown.stdout)")
        }
    }

    @Test(
        "four eyes on the command line: two keys of two named people pass; two keys of one person, two USER values or no key fail"
    )
    func fourEyes() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            let wang = try await Self.seed(ledger)
            let unnamed = try await ledger.run(["keys", "create", "--role", "operator", "--unit", "370202", "--name", "Shinan office"])
            #expect(unnamed.status == 4 && unnamed.stderr.contains("--holder"), "\(unnamed.stderr)")
            let alice = try await Self.key(
                ledger, ["--role", "operator", "--unit", "370202", "--name", "Shinan office", "--holder", "alice"])
            let alice2 = try await Self.key(
                ledger, ["--role", "operator", "--unit", "370202", "--name", "Shinan office 2", "--holder", "Alice"])
            let bob = try await Self.key(ledger, ["--role", "operator", "--unit", "3702", "--name", "city office", "--holder", "bob"])
            let kiosk = try await Self.key(ledger, ["--role", "kiosk", "--unit", "370202", "--name", "Taiping kiosk"])
            let aliceFile = try ledger.write("alice.key", alice2 + "\n")
            func run(_ arguments: [String], user: String, key: String? = nil, on today: String = "2026-06-05") async throws
                -> CommandLineTests.Run
            {
                var environment = ["USER": user, "SUDO_USER": user, "LOGNAME": user, ServiceClock.testVariable: today]
                if let key { environment["FASTCERT_KEY"] = key }
                return try await ledger.run(arguments, environment: environment)
            }
            #expect(try await run(["ledger", "sweep", "--as-of", "2026-06-02"], user: "alice").stdout.contains("1 suspended"))
            let reinstate = ["decisions", "reinstate", wang, "--reason", "discharge letter seen"]
            // The environment names nobody: without a key the command is the machine's account, never one of the four eyes.
            let byUser = try await run(reinstate, user: "alice")
            #expect(byUser.status == 4 && byUser.stderr.contains("named_operator_required"), "\(byUser.stderr)")
            let byKiosk = try await run(reinstate, user: "alice", key: kiosk)
            #expect(byKiosk.status == 4 && byKiosk.stderr.contains("forbidden_role"), "\(byKiosk.stderr)")
            let asked = try await run(reinstate, user: "alice", key: alice)
            #expect(asked.status == 0 && asked.stdout.contains("decision 1  reinstate  pending"), "\(asked.stderr)")
            let approve = ["decisions", "approve", "1"]
            let sameKey = try await run(approve, user: "alice", key: alice)
            #expect(sameKey.status == 4 && sameKey.stderr.contains("same_operator"), "\(sameKey.stderr)")
            let secondKey = try await run(approve + ["--key-file", aliceFile], user: "bob")
            #expect(secondKey.status == 4 && secondKey.stderr.contains("same_operator"), "\(secondKey.stderr)")
            let otherUser = try await run(approve, user: "bob")
            #expect(otherUser.status == 4 && otherUser.stderr.contains("named_operator_required"), "\(otherUser.stderr)")
            let approved = try await run(approve, user: "alice", key: bob)
            #expect(approved.status == 0 && approved.stdout.contains("approved") && approved.stdout.contains("1 reinstated"))
            #expect(
                approved.stdout.contains("asked by alice via fc_") && approved.stdout.contains("decided by bob via fc_"),
                "\(approved.stdout)")
            // A key that does not parse, or was revoked, acts as nobody.
            let forged = try await run(approve, user: "bob", key: "fc_0000000000000000.forged")
            #expect(forged.status == 4 && forged.stderr.contains("invalid_key"))
            // A payroll run without a key is recorded as the account from the operating system, whatever USER says.
            let paid = try await run(["payroll", "run", "--month", "2026-06"], user: "mallory", on: "2026-06-10")
            #expect(paid.status == 0, "\(paid.stderr)")
            let runs = try await run(["payroll", "list"], user: "mallory")
            #expect(runs.stdout.contains("system:") && !runs.stdout.contains("mallory"), "\(runs.stdout)")
            let listed = try await run(["decisions", "list", "--unit", "3702"], user: "bob")
            #expect(listed.stdout.contains("1 decision(s) under 3702"))
        }
    }

    @Test(
        "each kind from its own door: a face check or a death record in a file is refused by row with its reason; a feed key delivers its department's"
    )
    func doors() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            let wang = try await Self.seed(ledger)
            let file = try ledger.write(
                "evidence.csv",
                """
                source,external_id,resident_id,kind,observed_at
                fastcert,V-1,\(wang),face_verification_kiosk,2026-05-01
                community_office,H-1,\(wang),home_visit,2026-05-01
                civil_affairs,CR-1,\(wang),civil_affairs_cremation_record,2026-05-02
                bank,B-1,\(wang),bank_counter_visit,2026-05-03
                """)
            let local = try await ledger.run(["evidence", "import", file])
            #expect(local.status == 4 && local.stdout.contains("1 imported") && local.stdout.contains("3 refused"), "\(local.stdout)")
            #expect(local.stderr.contains("recorded by the verification service itself"), "\(local.stderr)")
            #expect(local.stderr.contains("when community staff complete a task"))
            #expect(local.stderr.contains("only from a feed key bound to civil_affairs"))
            let civil = try await Self.key(
                ledger, ["--role", "feed", "--unit", "3702", "--name", "civil affairs", "--sources", "civil_affairs"])
            let fed = try await ledger.run(["evidence", "import", file], environment: ["FASTCERT_KEY": civil])
            // The feed key delivers its own department's death record; the rest is refused again, by row.
            #expect(fed.stdout.contains("1 imported") && fed.stdout.contains("3 refused"), "\(fed.stdout) \(fed.stderr)")
            #expect(fed.stderr.contains("delivers for civil_affairs, not for bank"), "\(fed.stderr)")
            let shown = try await ledger.run(["person", "show", wang])
            #expect(shown.stdout.contains("deceased"), "\(shown.stdout)")
        }
    }

    @Test(
        "nothing in the future: a sweep, a task outcome or an import after today is refused; a payroll month once begun and at most a month late; decisions dated today"
    )
    func future() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            let wang = try await Self.seed(ledger)
            let staff = try await Self.key(ledger, ["--role", "operator", "--unit", "370202", "--name", "Taiping", "--holder", "zhao.min"])
            // The test clock (debug builds only): today is 2026-05-20.
            func run(_ arguments: [String], key: String? = nil) async throws -> CommandLineTests.Run {
                var environment = [ServiceClock.testVariable: "2026-05-20"]
                if let key { environment["FASTCERT_KEY"] = key }
                return try await ledger.run(arguments, environment: environment)
            }
            for refused in [
                ["ledger", "sweep", "--as-of", "2026-05-21"], ["persons", "import", "none.csv", "--today", "2028-01-01"],
                ["tasks", "complete", "1", "--outcome", "seen-alive", "--day", "2026-05-21"],
            ] {
                let answer = try await run(refused)
                #expect(answer.status == 4 && answer.stderr.contains("future_day"), "\(refused): \(answer.stderr)")
            }
            // A month is run once begun and at most a month late: neither June nor March.
            for month in ["2026-06", "2026-03"] {
                let refused = try await run(["payroll", "run", "--month", month])
                #expect(refused.status == 4 && refused.stderr.contains("payroll_month"), "\(month): \(refused.stderr)")
            }
            // The field check opens a month before the deadline (2026-06-01).
            #expect(try await run(["ledger", "sweep", "--as-of", "2026-05-10"]).status == 0)
            let tasks = try await run(["tasks", "list", "--unit", "3702"])
            try #require(tasks.stdout.contains("field_check"), "\(tasks.stdout)")
            let id = try #require(tasks.stdout.split(separator: "\n").first { $0.contains("field_check") }?.split(separator: " ").first)
            let tomorrow = try await run(["tasks", "complete", String(id), "--outcome", "seen-alive", "--day", "2026-05-21"], key: staff)
            #expect(tomorrow.status == 4 && tomorrow.stderr.contains("future_day"), "\(tomorrow.stderr)")
            let beforeOpened = try await run(
                ["tasks", "complete", String(id), "--outcome", "seen-alive", "--day", "2026-05-01"], key: staff)
            #expect(beforeOpened.status == 4 && beforeOpened.stderr.contains("before it opened"), "\(beforeOpened.stderr)")
            let noKey = try await run(["tasks", "complete", String(id), "--outcome", "seen-alive", "--day", "2026-05-12"])
            #expect(noKey.status == 4 && noKey.stderr.contains("named_operator_required"), "\(noKey.stderr)")
            let visited = try await run(["tasks", "complete", String(id), "--outcome", "seen-alive", "--day", "2026-05-12"], key: staff)
            #expect(visited.status == 0 && visited.stdout.contains("certified"), "\(visited.stderr)")
            // Sweeps go forward: none before the last one.
            let backwards = try await run(["ledger", "sweep", "--as-of", "2026-05-01"])
            #expect(backwards.status == 4 && backwards.stderr.contains("a sweep is not dated before it"), "\(backwards.stderr)")
            // Single-operator money decisions need a named person too.
            let waived = try await run(["decisions", "hold", wang, "--until", "2026-08-01", "--reason", "inquiry"])
            #expect(waived.status == 4 && waived.stderr.contains("named_operator_required"), "\(waived.stderr)")
            let held = try await run(["decisions", "hold", wang, "--until", "2026-08-01", "--reason", "inquiry"], key: staff)
            #expect(held.status == 0 && held.stdout.contains("on 2026-05-20"), "\(held.stdout) \(held.stderr)")
        }
    }

    @Test("a burst held for review: the import says how many and why; evidence held lists them; release and discard decide them")
    func burstHeldForReview() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            let wang = Self.residentID("37020219400315001")
            let units = try ledger.write(
                "units.csv",
                "code,name,level,parent_code\n3702,Qingdao,city,\n370202,Shinan,district,3702\n370202001,Badaguan,street,370202\n370202001001,Taiping,community,370202001\n"
            )
            #expect(try await ledger.run(["units", "import", units]).status == 0)
            let persons = try ledger.write(
                "persons.csv",
                """
                resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
                \(wang),Wang Fang,1940-03-15,370202001001,3,3200.50,13800000000,,1,0
                """)
            #expect(try await ledger.run(["persons", "import", persons, "--today", "2025-06-01"]).status == 0)
            let rows = (0..<22).map { "social_security_card,B-\($0),\(wang),card_spending,2026-03-01" }
            let feed = try ledger.write("burst.csv", (["source,external_id,resident_id,kind,observed_at"] + rows).joined(separator: "\n"))
            let imported = try await ledger.run(["evidence", "import", feed])
            #expect(imported.status == 0 && imported.stdout.contains("20 imported") && imported.stdout.contains("2 held for review"))
            let held = try await ledger.run(["evidence", "held", "--unit", "3702"])
            #expect(held.stdout.contains("2 row(s) held under 3702"), "\(held.stdout)")
            let ids = held.stdout.split(separator: "\n").compactMap { line in
                line.hasPrefix("held ") ? line.dropFirst(5).split(separator: " ").first.map(String.init) : nil
            }
            #expect(ids.count == 2)
            guard ids.count == 2 else { return }
            // Decided by a named operator (a key's holder), never the machine's account.
            let alice = try await Self.key(
                ledger, ["--role", "operator", "--unit", "370202", "--name", "Shinan office", "--holder", "alice"])
            let unnamed = try await ledger.run(["evidence", "release", ids[0], "--reason", "a batch of refunds"])
            #expect(unnamed.status != 0 && unnamed.stderr.contains("named_operator_required"))
            let released = try await ledger.run(
                ["evidence", "release", ids[0], "--reason", "a batch of refunds"], environment: ["FASTCERT_KEY": alice])
            #expect(released.status == 0 && released.stdout.contains("released"), "\(released.stderr)")
            let discarded = try await ledger.run(
                ["evidence", "discard", ids[1], "--reason", "a terminal replayed its log"], environment: ["FASTCERT_KEY": alice])
            #expect(discarded.status == 0 && discarded.stdout.contains("discarded"), "\(discarded.stderr)")
            let again = try await ledger.run(["evidence", "discard", ids[1], "--reason", "again"], environment: ["FASTCERT_KEY": alice])
            #expect(again.status != 0 && again.stderr.contains("already discarded"))
            #expect(try await ledger.run(["evidence", "held", "--unit", "3702"]).stdout.contains("0 row(s) held"))
        }
    }

    @Test(
        "appeals file, list and resolve: filed by a community worker, due in working days, never decided by its filer, upheld by four eyes")
    func appeals() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            let wang = try await Self.seed(ledger)
            let worker = try await Self.key(
                ledger, ["--role", "operator", "--unit", "370202001001", "--name", "Taiping office", "--holder", "li.worker"])
            let alice = try await Self.key(ledger, ["--role", "operator", "--unit", "370202", "--name", "Shinan", "--holder", "alice"])
            let bob = try await Self.key(ledger, ["--role", "operator", "--unit", "3702", "--name", "city", "--holder", "bob"])
            func run(_ arguments: [String], key: String? = nil) async throws -> CommandLineTests.Run {
                var environment = [ServiceClock.testVariable: "2026-11-02"]
                if let key { environment["FASTCERT_KEY"] = key }
                return try await ledger.run(arguments, environment: environment)
            }
            #expect(try await run(["ledger", "sweep", "--as-of", "2026-06-02"]).stdout.contains("1 suspended"))
            let filed = try await run(["appeals", "file", wang, "--grounds", "she lives at home, without a phone"], key: worker)
            #expect(filed.status == 0 && filed.stdout.contains("appeal 1  open"), "\(filed.stderr)")
            #expect(filed.stdout.contains("by community_worker li.worker via fc_") && filed.stdout.contains("due 2026-11-09"))
            let listed = try await run(["appeals", "list", "--unit", "370202", "--status", "open"])
            #expect(listed.stdout.contains("appeal 1  open") && listed.stdout.contains("1 appeal(s) under 370202"), "\(listed.stdout)")
            let own = try await run(["appeals", "resolve", "1", "--outcome", "upheld", "--reason", "I saw her"], key: worker)
            #expect(own.status == 4 && own.stderr.contains("same_operator"), "\(own.stderr)")
            let upheld = try await run(["appeals", "resolve", "1", "--outcome", "upheld", "--reason", "seen at home"], key: alice)
            #expect(upheld.status == 0 && upheld.stdout.contains("reinstate  pending"), "\(upheld.stdout) \(upheld.stderr)")
            #expect(upheld.stdout.contains("fastcert decisions approve 1"))
            let approved = try await run(["decisions", "approve", "1"], key: bob)
            #expect(approved.status == 0 && approved.stdout.contains("1 reinstated"), "\(approved.stderr)")
            let done = try await run(["appeals", "list", "--unit", "3702"])
            #expect(
                done.stdout.contains("appeal 1  upheld") && done.stdout.contains("upheld on 2026-11-02 by alice via fc_"), "\(done.stdout)")
            let again = try await run(["appeals", "resolve", "1", "--outcome", "rejected", "--reason", "no"], key: bob)
            #expect(again.status == 4 && again.stderr.contains("appeal_closed"), "\(again.stderr)")
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
