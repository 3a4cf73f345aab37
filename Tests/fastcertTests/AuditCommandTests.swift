import Foundation
import GRDB
import Ledger
import TestSupport
import Testing

/// `fastcert audit` through the real binary, on a real database file edited behind its back.
@Suite("fastcert audit")
struct AuditCommandTests {
    @Test("a payroll line multiplied by ten behind the service's back is found by audit verify, naming the row")
    func editedPayrollLine() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            _ = try await LedgerCommandTests.seed(ledger)
            #expect(try await ledger.run(["ledger", "sweep", "--as-of", "2025-07-01"]).stdout.contains("audit chain:"))
            let payroll = try await ledger.run(
                ["payroll", "run", "--month", "2025-07"], environment: [ServiceClock.testVariable: "2025-07-01"])
            #expect(payroll.status == 0 && payroll.stdout.contains("audit chain head"), "\(payroll.stderr)")

            let untouched = try await ledger.run(["audit", "verify"])
            #expect(untouched.status == 0 && untouched.stdout.contains("audit chain verified"), "\(untouched.stderr)")
            let head = try await ledger.run(["audit", "head"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await ledger.run(["audit", "verify", "--head", head]).status == 0)

            // The file in hand: without the service's functions the update cannot go through the
            // chain's trigger; with that trigger and the immutability trigger dropped, it can.
            let database = try DatabaseQueue(path: folder.appending(path: "ledger.sqlite").path)
            let line = try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM payroll_line")! }
            #expect(throws: DatabaseError.self) {
                try database.write { db in
                    try db.execute(sql: "DROP TRIGGER payroll_line_immutable")
                    try db.execute(sql: "UPDATE payroll_line SET amount_fen = amount_fen * 10")
                }
            }
            try await database.write { db in
                try db.execute(sql: "DROP TRIGGER payroll_line_immutable; DROP TRIGGER audit_chain_payroll_line_update")
                try db.execute(sql: "UPDATE payroll_line SET amount_fen = amount_fen * 10 WHERE id = ?", arguments: [line])
            }
            try database.close()

            let tampered = try await ledger.run(["audit", "verify"])
            #expect(tampered.status == 6)
            #expect(tampered.stdout.contains("FAILED at payroll_line row \(line) [content_changed]"), "\(tampered.stdout)")
            #expect(tampered.stderr.contains("payroll_line row \(line)"))
        }
    }

    @Test("the payroll export carries the run's chain head, which audit verify --head checks; --no-chain-head leaves the bare CSV")
    func exportCarriesHead() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            _ = try await LedgerCommandTests.seed(ledger)
            let payroll = try await ledger.run(
                ["payroll", "run", "--month", "2025-07"], environment: [ServiceClock.testVariable: "2025-07-01"])
            let printed = try #require(
                payroll.stdout.split(separator: "\n").first { $0.hasPrefix("audit chain head ") }?.split(separator: " ")[3])
            let export = try await ledger.run(["payroll", "export", "--month", "2025-07"])
            let lines = export.stdout.split(separator: "\n")
            #expect(lines.first == "# run 2025-07 chain_head \(printed)", "\(export.stdout.prefix(300))")
            #expect(lines.dropFirst().first?.hasPrefix("line,run_month,") == true)
            let head = try #require(lines.first?.split(separator: " ").last.map(String.init))
            #expect(try await ledger.run(["audit", "verify", "--head", head]).status == 0)
            let bare = try await ledger.run(["payroll", "export", "--month", "2025-07", "--no-chain-head"])
            #expect(bare.stdout.hasPrefix("line,run_month,"))

            // A line replaced behind the service (REPLACE fires no trigger) is not exported for the bank.
            let database = try DatabaseQueue(path: folder.appending(path: "ledger.sqlite").path)
            try await database.write { db in
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO payroll_line (id, run_month, person_id, unit_code, for_month, kind, amount_fen, reason)
                        SELECT id, run_month, person_id, unit_code, for_month, kind, amount_fen * 10, reason FROM payroll_line
                        WHERE run_month = '2025-07' ORDER BY id LIMIT 1
                        """)
            }
            try database.close()
            let refused = try await ledger.run(["payroll", "export", "--month", "2025-07"])
            #expect(refused.status == 4 && refused.stderr.contains("[chain_tampered]"), "\(refused.stderr)")
            #expect(refused.stdout.isEmpty, "nothing exported")
        }
    }

    @Test("no payroll runs while the chain shows tampering; a clean audit verify, once the row is restored, lifts it")
    func payrollStopsOnTampering() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            _ = try await LedgerCommandTests.seed(ledger)
            func run(_ arguments: [String], on today: String) async throws -> CommandLineTests.Run {
                try await ledger.run(arguments, environment: [ServiceClock.testVariable: today])
            }
            #expect(try await run(["ledger", "sweep", "--as-of", "2025-07-01"], on: "2025-07-01").status == 0)
            let july = try await run(["payroll", "run", "--month", "2025-07"], on: "2025-07-01")
            #expect(july.status == 0, "\(july.stderr)")

            let database = try DatabaseQueue(path: folder.appending(path: "ledger.sqlite").path)
            func multiply(_ factor: String) async throws {
                try await database.write { db in
                    try db.execute(sql: "UPDATE payroll_line SET amount_fen = amount_fen \(factor) WHERE run_month = '2025-07'")
                }
            }
            let guards = try await database.read { db in
                try String.fetchAll(
                    db,
                    sql: "SELECT sql FROM sqlite_master WHERE name IN ('payroll_line_immutable', 'audit_chain_payroll_line_update')")
            }
            try await database.write { db in
                try db.execute(sql: "DROP TRIGGER payroll_line_immutable; DROP TRIGGER audit_chain_payroll_line_update")
            }
            try await multiply("* 10")

            // The next day's check finds it: an alert, and the August payroll is refused.
            #expect(try await run(["ledger", "sweep", "--as-of", "2025-07-02"], on: "2025-07-02").status == 0)
            #expect(try await ledger.run(["alerts", "--unit", "3702", "--kind", "tampering"]).stdout.contains("payroll_line"))
            let refused = try await run(["payroll", "run", "--month", "2025-08"], on: "2025-08-01")
            #expect(refused.status == 4, "\(refused.stdout)")
            #expect(refused.stderr.contains("[chain_tampered]") && refused.stderr.contains("fastcert audit verify"), "\(refused.stderr)")
            #expect(refused.stderr.contains("payroll_line row"))
            // A verification that still finds it keeps the refusal.
            #expect(try await ledger.run(["audit", "verify"]).status == 6)
            #expect(try await run(["payroll", "run", "--month", "2025-08"], on: "2025-08-01").stderr.contains("[chain_tampered]"))

            // Restored (the row and the dropped triggers), then verified clean: the alert is gone and the month is paid.
            try await multiply("/ 10")
            try await database.write { db in for sql in guards { try db.execute(sql: sql) } }
            try database.close()
            let verified = try await ledger.run(["audit", "verify"])
            #expect(verified.status == 0, "\(verified.stdout)")
            #expect(!(try await ledger.run(["alerts", "--unit", "3702", "--kind", "tampering"]).stdout.contains("payroll_line")))
            let august = try await run(["payroll", "run", "--month", "2025-08"], on: "2025-08-01")
            #expect(august.status == 0, "\(august.stderr)")
        }
    }

    @Test("a kept head the chain no longer holds fails verify; a malformed one is refused")
    func keptHead() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let ledger = CommandLedger(folder: folder)
            #expect(try await ledger.run(["audit", "verify"]).status == 0)
            let forged = "1:" + String(repeating: "ab", count: 32)
            let verified = try await ledger.run(["audit", "verify", "--head", forged])
            #expect(verified.status == 6 && verified.stdout.contains("[anchor_mismatch]"))
            #expect(try await ledger.run(["audit", "verify", "--head", "nonsense"]).status != 0)
        }
    }
}
