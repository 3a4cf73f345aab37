import Foundation
import Ledger
import TestSupport
import Testing

/// The rules in force through the real binary: kept in the database, changed only by a proposal a
/// second operator approves, and recorded on every ledger event and decision.
@Suite("fastcert rules")
struct RulesCommandTests {
    /// The rules in force as a JSON object (`rules show --json`), changed by `edit`, written to `name`.
    static func edited(
        _ ledger: CommandLedger, _ name: String, _ edit: (inout [String: Any]) throws -> Void
    ) async throws -> String {
        let shown = try await ledger.run(["rules", "show", "--json"])
        var object = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        try edit(&object)
        return try ledger.write(name, String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }

    static func threshold(_ value: Double) -> (inout [String: Any]) throws -> Void {
        { object in
            var model = try #require(object["behaviour_model"] as? [String: Any])
            model["threshold"] = value
            object["behaviour_model"] = model
        }
    }

    @Test(
        "version 1 on a new database; threshold 0 refused; a proposal approved by a second operator is in force, and recorded on later events and decisions"
    )
    func versions() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            var keys: [String: String] = [:]
            // Operators act with their own keys; the evidence files are imported at the server, without one.
            func run(_ arguments: [String], as user: String = "alice") async throws -> CommandLineTests.Run {
                var environment = ["USER": user, "SUDO_USER": user, ServiceClock.testVariable: "2026-05-01"]
                if arguments.first != "evidence" { environment["FASTCERT_KEY"] = keys[user] }
                return try await ledger.run(arguments, environment: environment)
            }
            let wang = LedgerCommandTests.residentID("37020219400315001")
            _ = try await run([
                "units", "import",
                try ledger.write(
                    "units.csv",
                    "code,name,level,parent_code\n3702,Qingdao,city,\n370202,Shinan,district,3702\n370202001,Badaguan,street,370202\n370202001001,Taiping,community,370202001\n"
                ),
            ])
            _ = try await run([
                "persons", "import",
                try ledger.write(
                    "persons.csv",
                    """
                    resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
                    \(wang),Wang Fang,1940-03-15,370202001001,3,3200.50,13800000000,,1,0
                    """), "--today", "2025-06-01",
            ])
            for holder in ["alice", "bob"] {
                keys[holder] = try await LedgerCommandTests.key(
                    ledger, ["--role", "operator", "--unit", "3702", "--name", "city office", "--holder", holder])
            }
            let first = try await run(["rules", "show"])
            #expect(
                first.status == 0 && first.stdout.contains("version 1  in_force") && first.stdout.contains("loaded by system"),
                "\(first.stdout)\(first.stderr)")

            // Nonsense is refused before anything is recorded, naming the field.
            let zero = try await run([
                "rules", "propose", try await Self.edited(ledger, "zero.json", Self.threshold(0)), "--reason", "more",
            ])
            #expect(
                zero.status == 4 && zero.stderr.contains("behaviour_model.threshold") && zero.stderr.contains("rules_invalid"),
                "\(zero.stderr)")
            // --rules is gone, and says how rules change now.
            let flag = try await run(["person", "show", wang, "--rules", try await Self.edited(ledger, "any.json", Self.threshold(0.5))])
            #expect(flag.status == 4 && flag.stderr.contains("fastcert rules propose"), "\(flag.stderr)")

            // Evidence under version 1.
            let feed = """
                {"source": "bank", "external_id": "B-1", "resident_id": "\(wang)", "kind": "bank_counter_visit", "observed_at": "2026-01-05"}
                {"source": "health_insurance", "external_id": "H-1", "resident_id": "\(wang)", "kind": "outpatient_visit", "observed_at": "2026-01-20"}
                """
            #expect(try await run(["evidence", "import", try ledger.write("feed1.ndjson", feed)]).stdout.contains("1 certified"))

            let proposed = try await run([
                "rules", "propose", try await Self.edited(ledger, "stricter.json", Self.threshold(0.85)), "--reason",
                "the bureau's review of 2026",
            ])
            #expect(proposed.status == 0 && proposed.stdout.contains("rules proposal 2  no version  pending"), "\(proposed.stderr)")
            let same = try await run(["rules", "approve", "2"])
            #expect(same.status == 4 && same.stderr.contains("same_operator"), "\(same.stderr)")
            let approved = try await run(["rules", "approve", "2", "--reason", "read and agreed"], as: "bob")
            #expect(approved.status == 0 && approved.stdout.contains("version 2  in_force"), "\(approved.stderr)")
            #expect(approved.stdout.contains("loaded by alice via fc_") && approved.stdout.contains("approved by bob via fc_"))
            #expect(try await run(["rules", "show"]).stdout.contains("version 2  in_force"))
            let listed = try await run(["rules", "list"])
            #expect(listed.stdout.contains("version 1  superseded") && listed.stdout.contains("version 2  in_force"))

            // Later events and decisions carry version 2; the earlier ones keep 1.
            let later = feed.replacingOccurrences(of: "-1\"", with: "-2\"").replacingOccurrences(of: "2026-01-", with: "2026-04-")
            #expect(try await run(["evidence", "import", try ledger.write("feed2.ndjson", later)]).stdout.contains("2 certified"))
            let shown = try await run(["person", "show", wang])
            let certified = shown.stdout.split(separator: "\n").filter { $0.contains("certified") && $0.contains("behaviour model") }
            #expect(certified.count == 3, "\(shown.stdout)")
            #expect(certified.first?.hasSuffix("[rules v1]") == true && certified.dropFirst().allSatisfy { $0.hasSuffix("[rules v2]") })
            let extended = try await run([
                "decisions", "extend", wang, "--until", "2027-05-01", "--reason", "abroad",
            ])
            #expect(extended.status == 0 && extended.stdout.contains("rules v2"), "\(extended.stdout)\(extended.stderr)")
        }
    }
}
