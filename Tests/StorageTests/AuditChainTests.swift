import Foundation
import GRDB
import Ledger
import Simulation
import Testing

@testable import Storage

/// The audit chain (docs/audit.md): it verifies after any sequence of the ledger's own writes, and
/// a single row changed, removed or added behind its triggers is named.
@Suite("Audit chain")
struct AuditChainTests {
    typealias Fixture = LedgerStoreTests

    /// Two random histories (MoneyTests' imports, late feeds, daily sweeps, holds, reinstatements,
    /// payroll runs, deaths and their recovery cases, plus a rejected request and a waived case);
    /// then, on copies of the file, one tampering each.
    @Test(
        "random histories: the chain verifies; after any single-row change behind the triggers it fails, naming the row",
        arguments: [1, 2] as [UInt64])
    func randomHistories(seed: UInt64) async throws {
        try await MoneyTests.withUnits { store in
            try await MoneyTests.randomHistory(store, seed: seed)
            let day = Day("2027-07-02")!
            let person = try #require(try await store.database.texts("SELECT id FROM person ORDER BY id").first)
            let asked = try await store.request(.reinstate, person: person, reason: "letter", by: "op a via fc_opa", on: day)
            _ = try await store.reject(asked.id, reason: "not convincing", by: "op b via fc_opb", on: day)
            if let open = try await store.database.texts("SELECT CAST(id AS TEXT) FROM recovery WHERE status = 'open'").first {
                _ = try await store.closeRecovery(Int64(open)!, as: .waived, reason: "hardship", by: "op b via fc_opb", on: day)
            }
            let report = try await store.verifyChain()
            #expect(report.finding == nil, "\(report.finding.map(String.init(describing:)) ?? "")")
            #expect(report.entries > 100 && report.rows > 100)
            #expect(try await store.database.count("SELECT COUNT(*) FROM audit_check") > 500)
            #expect(try await store.database.count("SELECT COUNT(*) FROM audit_check WHERE problem IS NOT NULL") == 0)
            #expect(try await store.database.count("SELECT COUNT(DISTINCT op) FROM audit_chain WHERE table_name = 'decision'") == 2)
            #expect(try await store.database.count("SELECT COUNT(*) FROM payroll_run WHERE chain_seq IS NULL") == 0)
            // Events and payroll lines are chained a transaction at a time, never a row at a time.
            #expect(
                try await store.database.count(
                    "SELECT COUNT(*) FROM audit_chain WHERE table_name IN ('ledger_event', 'payroll_line') AND op != 'B'") == 0)
            #expect(
                try await store.database.count("SELECT COALESCE(SUM(row_count), 0) FROM audit_chain WHERE op = 'B'")
                    == (try await store.database.count(
                        "SELECT (SELECT COUNT(*) FROM ledger_event) + (SELECT COUNT(*) FROM payroll_line) + (SELECT COUNT(*) FROM person)"))
            )

            // A person's state edited behind the service (the state is not chained; it is checked
            // against the events): a dead or suspended person set back to active, a deadline pushed
            // ahead (the sweep would not suspend them when it passes), a suspension with no day.
            let stopped = try await store.database.texts("SELECT id FROM person WHERE status IN ('deceased', 'suspended') ORDER BY status")
            #expect(stopped.count >= 2, "the history stops someone's payment")
            var edits = stopped.prefix(2).map {
                ($0, "UPDATE person SET status = 'active', death_day = NULL, suspended_on = NULL, deadline = '2030-01-01' WHERE id = ?")
            }
            if let active = try await store.database.texts(
                "SELECT person_id FROM ledger_event WHERE deadline IS NOT NULL AND person_id IN (SELECT id FROM person WHERE status = 'active')"
            ).first {
                edits.append((active, "UPDATE person SET deadline = '2030-05-20' WHERE id = ?"))
            }
            if let suspended = try await store.database.texts("SELECT id FROM person WHERE status = 'suspended'").first {
                edits.append((suspended, "UPDATE person SET suspended_on = NULL WHERE id = ?"))
            }
            for (person, edit) in edits {
                let finding = try await onCopy(of: store) { db in try db.execute(sql: edit, arguments: [person]) }
                #expect(finding?.problem == .stateMismatch && finding?.key == person, "\(edit): \(String(describing: finding))")
            }
            var random = SplitMix64(seed: seed &* 7919)
            for tampering in Tampering.allCases {
                for _ in 0..<6 {
                    let (expected, finding) = try await tampered(store, tampering, &random)
                    #expect(
                        finding?.table == expected.table && finding?.key == expected.key, "\(tampering): \(String(describing: finding))")
                    #expect(finding?.problem == tampering.problem, "\(tampering): \(String(describing: finding))")
                }
            }
        }
    }

    /// Makes `edit` on a copy of the ledger, as the sqlite3 shell would (no chain functions), and
    /// returns what a full verification of the copy finds.
    func onCopy(of store: LedgerStore, _ edit: @escaping @Sendable (Database) throws -> Void) async throws -> AuditChain.Finding? {
        let copy = FileManager.default.temporaryDirectory.appending(path: "fastcert-state-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try await store.database.writer.writeWithoutTransaction { try $0.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
        let raw = try DatabaseQueue(path: copy)
        try await raw.write(edit)
        try raw.close()
        return try await LedgerStore(database: try AppDatabase(path: copy), rules: store.rules).verifyChain().finding
    }

    enum Tampering: CaseIterable {
        case update, delete, insert, chainEdit

        var problem: AuditChain.Finding.Problem {
            switch self {
            case .update: .contentChanged
            case .delete: .rowMissing
            case .insert: .rowUnchained
            case .chainEdit: .brokenLink
            }
        }
    }

    /// Copies the ledger, makes one change on the copy as someone with the file in hand would
    /// (no chain functions, the guarding triggers dropped, CHECK constraints off), and verifies it.
    func tampered(_ store: LedgerStore, _ tampering: Tampering, _ random: inout SplitMix64) async throws -> (
        expected: (table: String, key: String), finding: AuditChain.Finding?
    ) {
        let copy = FileManager.default.temporaryDirectory.appending(path: "fastcert-chain-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try await store.database.writer.writeWithoutTransaction { try $0.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
        var plain = Configuration()  // as the sqlite3 shell opens it: no functions, no foreign keys
        plain.foreignKeysEnabled = false
        let raw = try DatabaseQueue(path: copy, configuration: plain)
        let picks = (0..<4).map { _ in Int(truncatingIfNeeded: random.next() >> 1) }
        @Sendable func pick<T>(_ choices: [T], _ n: Int) -> T { choices[picks[n] % choices.count] }
        let expected: (table: String, key: String) = try await raw.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            let tables = AuditChain.tables.map(\.name).filter { (try? Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)")) ?? 0 > 0 }
            switch tampering {
            case .chainEdit:
                let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_chain")!
                let seq = Int64(pick(Array(1...count), 0))
                let entry = try Row.fetchOne(db, sql: "SELECT table_name, row_key FROM audit_chain WHERE seq = ?", arguments: [seq])!
                try db.execute(sql: "DROP TRIGGER audit_chain_immutable")
                try db.execute(sql: "UPDATE audit_chain SET at = at + 1 WHERE seq = ?", arguments: [seq])
                return (entry["table_name"], AppDatabase.auditValue(entry["row_key"]).keyText)
            case .insert:
                let table = pick(["ledger_event", "payroll_line"].filter(tables.contains), 0)
                for trigger in ["insert"] { try db.execute(sql: "DROP TRIGGER IF EXISTS audit_chain_\(table)_\(trigger)") }
                let columns = try db.columns(in: table).map(\.name).filter { $0 != "id" }
                let values = columns.map { $0 == "for_month" ? "'1999-01'" : $0 }
                try db.execute(
                    sql: """
                        INSERT INTO \(table) (\(columns.joined(separator: ", "))) SELECT \(values.joined(separator: ", "))
                        FROM \(table) ORDER BY random() LIMIT 1
                        """)
                return (table, String(db.lastInsertedRowID))
            case .update, .delete:
                let keyColumns = ["id", "month", "recovery_id", "line_id"]
                // An update changes a column other than the key (a recovery line has none).
                let table = pick(tampering == .delete ? tables : tables.filter { $0 != "recovery_line" }, 0)
                let key = AppDatabase.auditKey(table, "t")
                let chosen = pick(try DatabaseValue.fetchAll(db, sql: "SELECT \(key) FROM \(table) t"), 1)
                for trigger in try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name NOT LIKE 'unit_month%'",
                    arguments: [table])
                {
                    try db.execute(sql: "DROP TRIGGER \(trigger)")
                }
                if tampering == .delete {
                    // A person's key goes with the row: the finding names its rowid.
                    let rowid =
                        table == "person"
                        ? try Int64.fetchOne(db, sql: "SELECT rowid FROM person WHERE id = ?", arguments: [chosen]) : nil
                    try db.execute(sql: "DELETE FROM \(table) AS t WHERE \(key) = ?", arguments: [chosen])
                    if table == "person", let rowid { return (table, "rowid \(rowid)") }
                } else {
                    // A column the chain covers (a person's ledger state is not: it is checked against the events).
                    let chained = try AuditChain.table(table)?.columns ?? db.columns(in: table).map(\.name)
                    let column = pick(chained.filter { !keyColumns.contains($0) }, 2)
                    try db.execute(
                        sql: """
                            UPDATE \(table) AS t SET \(column) = CASE WHEN \(column) IS NULL THEN 'x'
                              WHEN typeof(\(column)) = 'integer' THEN \(column) * 10 + 1 WHEN typeof(\(column)) = 'blob' THEN X'00'
                              ELSE \(column) || 'x' END
                            WHERE \(key) = ?
                            """, arguments: [chosen])
                }
                return (table, AppDatabase.auditValue(chosen).keyText)
            }
        }
        try raw.close()
        let reopened = LedgerStore(database: try AppDatabase(path: copy), rules: store.rules)
        return (expected, try await reopened.verifyChain().finding)
    }

    @Test("a ledger chained row by row (migration 20) keeps its entries under migration 24; old and new rows are both checked")
    func batchMigration() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appending(path: "old.sqlite").path
        let queue = try DatabaseQueue(path: path, configuration: AppDatabase.makeConfiguration())
        try AppDatabase.migrator.migrate(queue, upTo: "v23-operators")
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO unit (code, name, level, path) VALUES ('370202001001', 'Taiping', 'community', '/x/')")
            try db.execute(
                sql: """
                    INSERT INTO person (id, name, birth_date, unit_code, benefit_level, monthly_amount_fen, status, service_period_months,
                      enrolled_on, deadline) VALUES (?, 'Wang', '1940-03-15', '370202001001', '3', 320050, 'active', 12, '2025-06-01', '2026-06-01')
                    """, arguments: [Fixture.wang])
            // A run of June made before migration 24: its line chained by an entry of its own.
            try db.execute(
                sql: """
                    INSERT INTO payroll_run (month, run_on, actor, at, lines, persons, total_fen, back_pay_lines)
                    VALUES ('2025-06', '2025-06-01', 'cli:payroll', '2025-06-01T00:00:00Z', 1, 1, 320050, 0)
                    """)
            try db.execute(
                sql: """
                    INSERT INTO payroll_line (run_month, person_id, unit_code, for_month, kind, amount_fen, reason)
                    VALUES ('2025-06', ?, '370202001001', '2025-06', 'regular', 320050, 'deadline 2026-06-01')
                    """, arguments: [Fixture.wang])
            for day in ["2025-06-02", "2025-06-03"] {
                try db.execute(
                    sql: """
                        INSERT INTO ledger_event (person_id, kind, day, cause, recorded_at, actor)
                        VALUES (?, 'certified', ?, 'counter', '2025-06-03T00:00:00Z', 'op a via fc_opa')
                        """, arguments: [Fixture.wang, day])
            }
        }
        let before = try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, hash FROM audit_chain WHERE table_name = 'ledger_event' ORDER BY seq")
        }
        try #require(before.count == 2)
        try queue.close()
        let store = LedgerStore(database: try AppDatabase(path: path), rules: try LedgerRules.shipped())
        let after = try await store.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, hash FROM audit_chain WHERE table_name = 'ledger_event' ORDER BY seq")
        }
        #expect(after == before, "the entries are copied as they were")
        _ = try await store.sweep(on: Day("2026-07-01")!)
        #expect(try await store.database.count("SELECT COUNT(*) FROM audit_chain WHERE op = 'B' AND table_name = 'ledger_event'") == 1)
        #expect(try await store.verifyChain().finding == nil)
        #expect(try await store.checkRunLines(Month("2025-06")!) == nil, "the old run's line matches its own entry: it can be exported")
        // An old row (chained by its own entry) and a new one (in a batch), each edited behind the service.
        for (id, problem) in [(Int64(1), AuditChain.Finding.Problem.contentChanged), (Int64(3), .contentChanged)] {
            let copy = folder.appending(path: "copy-\(id).sqlite").path
            try await store.database.writer.writeWithoutTransaction { try $0.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
            let raw = try DatabaseQueue(path: copy)
            try await raw.write { db in
                try db.execute(sql: "DROP TRIGGER IF EXISTS ledger_event_immutable; DROP TRIGGER audit_chain_ledger_event_update")
                try db.execute(sql: "UPDATE ledger_event SET cause = 'edited' WHERE id = ?", arguments: [id])
            }
            try raw.close()
            let finding = try await LedgerStore(database: try AppDatabase(path: copy), rules: store.rules).verifyChain().finding
            #expect(
                finding?.table == "ledger_event" && finding?.key == String(id) && finding?.problem == problem,
                "\(String(describing: finding))")
        }
    }

    @Test("a person's amount raised behind the service is named; one changed by an approved decision is not")
    func personAmount() async throws {
        try await Fixture.withLedger { store in
            #expect(try await store.verifyChain().finding == nil)
            let asked = try await store.requestBenefitChange(
                person: Fixture.li, level: nil, amount: "4300", effectiveMonth: "2025-08", reason: "pension review",
                by: "op a via fc_opa", on: Day("2025-07-10")!)
            _ = try await store.approve(asked.id, reason: "checked", by: "op b via fc_opb", on: Day("2025-07-11")!)
            #expect(try await store.database.count("SELECT monthly_amount_fen FROM person WHERE id = '\(Fixture.li)'") == 430_000)
            #expect(try await store.verifyChain().finding == nil, "the service's own change is chained")

            // The sqlite3 shell cannot change an amount without the chain's functions; with the trigger dropped it can, and is named.
            let path = try #require(store.database.path)
            let raw = try DatabaseQueue(path: path)
            #expect(throws: DatabaseError.self) {
                try raw.write { db in
                    try db.execute(sql: "UPDATE person SET monthly_amount_fen = 990000 WHERE id = ?", arguments: [Fixture.wang])
                }
            }
            for person in [Fixture.wang, Fixture.li] {
                try await raw.write { db in
                    try db.execute(sql: "DROP TRIGGER IF EXISTS audit_chain_person_update")
                    try db.execute(sql: "UPDATE person SET monthly_amount_fen = monthly_amount_fen * 10 WHERE id = ?", arguments: [person])
                }
                let finding = try await store.verifyChain().finding
                #expect(
                    finding?.table == "person" && finding?.key == person && finding?.problem == .contentChanged,
                    "\(String(describing: finding))")
                try await raw.write { db in
                    try db.execute(sql: "UPDATE person SET monthly_amount_fen = monthly_amount_fen / 10 WHERE id = ?", arguments: [person])
                }
            }
            try raw.close()
            // Put back as it was, every row matches; the dropped trigger is still named.
            let finding = try await store.verifyChain().finding
            #expect(finding?.problem == .triggerMissing && finding?.key == "audit_chain_person_update", "\(String(describing: finding))")
        }
    }

    @Test("an amount edited behind the service, its trigger put back, is not laundered by a later decision on the person")
    func noLaundering() async throws {
        try await Fixture.withLedger { store in
            let path = try #require(store.database.path)
            let raw = try DatabaseQueue(path: path)
            try await raw.write { db in
                let trigger = try #require(
                    try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'audit_chain_person_update'"))
                try db.execute(sql: "DROP TRIGGER audit_chain_person_update")
                try db.execute(sql: "UPDATE person SET monthly_amount_fen = monthly_amount_fen * 10 WHERE id = ?", arguments: [Fixture.li])
                try db.execute(sql: trigger)
            }
            try raw.close()
            #expect(try await store.verifyChain().finding?.key == Fixture.li, "found before the decision")
            let asked = try await store.requestBenefitChange(
                person: Fixture.li, level: nil, amount: "4300", effectiveMonth: "2025-08", reason: "pension review",
                by: "op a via fc_opa", on: Day("2025-07-10")!)
            _ = try await store.approve(asked.id, reason: "checked", by: "op b via fc_opb", on: Day("2025-07-11")!)
            let finding = try await store.verifyChain().finding
            #expect(
                finding?.table == "person" && finding?.key == Fixture.li && finding?.problem == .contentChanged
                    && finding?.detail.contains("before chain entry") == true, "\(String(describing: finding))")
        }
    }

    @Test("a pending decision edited behind the service is not approved (chain_tampered); it can still be rejected")
    func editedDecisionNotApproved() async throws {
        try await Fixture.withLedger { store in
            let asked = try await store.requestBenefitChange(
                person: Fixture.li, level: nil, amount: "4300", effectiveMonth: "2025-08", reason: "pension review",
                by: "op a via fc_opa", on: Day("2025-07-10")!)
            let path = try #require(store.database.path)
            let raw = try DatabaseQueue(path: path)
            try await raw.write { db in
                let trigger = try #require(
                    try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'audit_chain_decision_update'"))
                try db.execute(sql: "DROP TRIGGER audit_chain_decision_update")
                try db.execute(sql: "UPDATE decision SET amount_fen = 4300000 WHERE id = ?", arguments: [asked.id])
                try db.execute(sql: trigger)
            }
            try raw.close()
            let refused = await #expect(throws: LedgerError.self) {
                _ = try await store.approve(asked.id, reason: "checked", by: "op b via fc_opb", on: Day("2025-07-11")!)
            }
            #expect(refused?.code == .chainTampered, "\(String(describing: refused))")
            #expect(try await store.database.count("SELECT monthly_amount_fen FROM person WHERE id = '\(Fixture.li)'") == 410_000)
            _ = try await store.reject(asked.id, reason: "edited behind the service", by: "op b via fc_opb", on: Day("2025-07-11")!)
        }
    }

    @Test("a person inserted behind the service is not made genuine by a later decision on them")
    func ghostStaysUnchained() async throws {
        try await Fixture.withLedger { store in
            let ghost = Fixture.residentID("37020219400808006")
            let path = try #require(store.database.path)
            let raw = try DatabaseQueue(path: path)
            try await raw.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO person (id, name, birth_date, unit_code, benefit_level, monthly_amount_fen, status, service_period_months,
                          enrolled_on, deadline) VALUES (?, 'Ghost Sun', '1940-08-08', '370202001001', '3', 900000, 'active', 12, '2025-06-01', '2026-06-01')
                        """, arguments: [ghost])
            }
            try raw.close()
            #expect(try await store.verifyChain().finding?.problem == .rowUnchained)
            let asked = try await store.requestCorrection(
                person: ghost, name: "Sun Ghost", birthDate: nil, reason: "typo", by: "op a via fc_opa", on: Day("2025-07-10")!)
            _ = try await store.approve(asked.id, reason: "checked", by: "op b via fc_opb", on: Day("2025-07-11")!)
            let finding = try await store.verifyChain().finding
            #expect(
                finding?.table == "person" && finding?.key == ghost && finding?.problem == .rowUnchained, "\(String(describing: finding))")
        }
    }

    @Test("the chain's last entries cut with their rows are found: each check recorded the head it reached")
    func cutTail() async throws {
        try await Fixture.withLedger { store in
            let report = try await store.sweep(on: Day("2026-07-01")!)
            #expect(report.audit?.finding == nil)
            let path = try #require(store.database.path)
            let raw = try DatabaseQueue(path: path)
            try await raw.write { db in
                // The last batch of events and the events it covers, the guards dropped and put back.
                let guards = try String.fetchAll(
                    db, sql: "SELECT sql FROM sqlite_master WHERE name IN ('audit_chain_kept', 'audit_chain_ledger_event_delete')")
                let last = try #require(
                    try Row.fetchOne(
                        db,
                        sql:
                            "SELECT seq, row_key, last_key FROM audit_chain WHERE op = 'B' AND table_name = 'ledger_event' ORDER BY seq DESC LIMIT 1"
                    ))
                try db.execute(sql: "DROP TRIGGER audit_chain_kept; DROP TRIGGER audit_chain_ledger_event_delete")
                try db.execute(sql: "DELETE FROM ledger_event WHERE id >= ?", arguments: [last["row_key"] as Int64])
                try db.execute(sql: "DELETE FROM audit_chain WHERE seq >= ?", arguments: [last["seq"] as Int64])
                for sql in guards { try db.execute(sql: sql) }
            }
            try raw.close()
            // The check of that day reached the cut head (its own entry, after it, is gone too).
            let cut: Set<AuditChain.Finding.Problem> = [.anchorMismatch, .rowUnchained]
            let finding = try await store.verifyChain().finding
            #expect(finding?.table == "audit_check" && cut.contains(finding?.problem ?? .brokenLink), "\(String(describing: finding))")
            let next = try await store.sweep(on: Day("2026-07-02")!)
            #expect(next.audit?.finding?.table == "audit_check", "the day's check finds it too: \(String(describing: next.audit?.finding))")
        }
    }

    @Test("the SQL functions the triggers call hash as the chain's rules do")
    func functionsMatchRules() async throws {
        let database = try AppDatabase(DatabaseQueue(configuration: AppDatabase.makeConfiguration()))
        let row = try await database.writer.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT fastcert_row_sha256(7, 'Wáng', NULL, 2.5, X'00ff', NULL, NULL) AS content,
                      fastcert_chain_link(NULL, 'payroll_line', 7, 'I', 1800000000, X'0102') AS first,
                      fastcert_chain_link(X'aa', 'payroll_run', '2026-01', 'U', -1, X'') AS next
                    """)!
        }
        #expect(
            row["content"] as Data
                == AuditChain.contentDigest([.integer(7), .text("Wáng"), .null, .real(2.5), .blob(Data([0, 255])), .null]))
        #expect(
            row["first"] as Data
                == AuditChain.link(
                    previous: nil, table: "payroll_line", key: .integer(7), operation: .insert, at: 1_800_000_000, content: Data([1, 2])))
        #expect(
            row["next"] as Data
                == AuditChain.link(
                    previous: Data([0xaa]), table: "payroll_run", key: .text("2026-01"), operation: .update, at: -1, content: Data()))
    }

    @Test("a connection without the chain's functions (the sqlite3 shell) cannot write a covered table")
    func shellCannotWrite() async throws {
        try await Fixture.withLedger { store in
            _ = try await store.sweep(on: Day("2026-07-01")!)
            let path = try #require(store.database.path)
            let raw = try DatabaseQueue(path: path)
            #expect(throws: DatabaseError.self) {
                try raw.write { db in
                    try db.execute(sql: "UPDATE ledger_event SET cause = 'edited' WHERE id = (SELECT min(id) FROM ledger_event)")
                }
            }
            try raw.close()
            #expect(try await store.verifyChain().finding == nil)
        }
    }

    @Test("the day's check after the sweep finds a row inserted behind the triggers that day, and raises a tampering alert")
    func dailyCheckRaisesAlert() async throws {
        try await Fixture.withLedger { store in
            let first = try await store.sweep(on: Day("2026-07-01")!)
            #expect(first.audit != nil && first.audit?.finding == nil)
            let path = try #require(store.database.path)
            let raw = try DatabaseQueue(path: path)
            try await raw.write { db in
                try db.execute(sql: "DROP TRIGGER IF EXISTS audit_chain_ledger_event_insert")
                try db.execute(
                    sql: """
                        INSERT INTO ledger_event (person_id, kind, day, cause, recorded_at, actor)
                        VALUES (?, 'certified', '2026-07-02', 'made up', '2026-07-02T00:00:00Z', 'nobody')
                        """, arguments: [Fixture.wang])
            }
            try raw.close()
            let second = try await store.sweep(on: Day("2026-07-02")!)
            let finding = try #require(second.audit?.finding)
            #expect(finding.table == "ledger_event" && finding.problem == .rowUnchained)
            let alerts = try await store.alerts(unit: "370202", kind: .tampering)
            #expect(alerts.count == 1 && alerts.first?.personID == Fixture.wang && alerts.first?.detail.contains("row_unchained") == true)
            #expect(try await store.alerts(unit: "370202").contains { $0.kind == .tampering })

            // A clean check forged behind the service (its trigger dropped) lifts neither the alert nor the payroll gate.
            let forger = try DatabaseQueue(path: path)
            try await forger.write { db in
                try db.execute(sql: "DROP TRIGGER audit_chain_audit_check_insert")
                try db.execute(
                    sql: """
                        INSERT INTO audit_check (checked_at, actor, day, from_seq, to_seq, head_hash)
                        SELECT '2026-07-02T23:00:00Z', 'sweep', '2026-07-02', 0, seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1
                        """)
            }
            try forger.close()
            #expect(try await store.alerts(unit: "370202", kind: .tampering).count == 1)
            let refused = await #expect(throws: LedgerError.self) {
                _ = try await store.runPayroll(month: Month("2026-07")!, on: Day("2026-07-03")!, by: "cli:payroll")
            }
            #expect(refused?.code == .chainTampered)
        }
    }

    @Test("the timeline shows when each event was recorded and by whom, beside the day it is dated")
    func timelineShowsRecording() async throws {
        try await Fixture.withLedger { store in
            _ = try await store.sweep(on: Day("2026-07-01")!)
            let view = try #require(try await store.person(ResidentID(Fixture.wang)))
            let swept = try #require(view.timeline.first { $0.actor == "sweep" })
            #expect(swept.recordedAt?.hasPrefix("20") == true)
        }
    }

    @Test("each payroll run records the chain head once its lines are written; a cut chain is found by the anchor")
    func payrollAnchor() async throws {
        try await Fixture.withLedger { store in
            let run = try await store.runPayroll(month: Month("2025-07")!, on: Day("2025-07-01")!, by: "cli:payroll")
            let head = try #require(run.chainHead)
            #expect(try await store.payrollRun(Month("2025-07")!)?.chainHead == head)
            let lastLine = try await store.database.count("SELECT max(seq) FROM audit_chain WHERE table_name = 'payroll_line'")
            #expect(head.seq == Int64(lastLine))
            #expect(try await store.chainHolds(head))
            #expect(!(try await store.chainHolds(AuditChain.Head(seq: head.seq, hash: Data(repeating: 0, count: 32)))))
        }
    }
}
