import Foundation
import GRDB
import Ledger

extension LedgerStore: AuditStore {
    /// Walks the whole chain and compares every covered row with its latest entry, and each
    /// payroll run's recorded head with the chain (``AuditChain``). One read transaction: a
    /// consistent snapshot while writers go on.
    public func verifyChain() async throws -> AuditReport {
        try await read { db in try Self.checkChain(after: 0, full: true, db) }
    }

    public func chainHead() async throws -> AuditChain.Head {
        try await read { db in try Self.chainHead(db) }
    }

    public func chainHolds(_ head: AuditChain.Head) async throws -> Bool {
        try await read { db in
            try Data.fetchOne(db, sql: "SELECT hash FROM audit_chain WHERE seq = ?", arguments: [head.seq]) == head.hash
        }
    }

    /// The chain entries written since the last check (the day's), and the rows they wrote, checked
    /// and the result recorded in `audit_check` (a finding is shown among the alerts, kind
    /// `tampering`, ``alerts(unit:kind:offset:limit:)``). Run by the sweep after its day.
    public func checkChainOfDay(_ day: Day, by actor: String) async throws -> AuditReport {
        // Checked on a snapshot (the write lock is not held meanwhile), recorded in a short write.
        let (from, report) = try await read { db in
            // From the last clean check whose own chain entry matches it (a clean check forged
            // behind the service would otherwise move the start past a finding).
            let from =
                try Int64.fetchOne(db, sql: "SELECT max(to_seq) FROM (\(try Self.trustedChecks(db))) WHERE problem IS NULL") ?? 0
            return (from, try Self.checkChain(after: from, full: false, db))
        }
        try await write { db in try Self.recordCheck(report, from: from, day: day, by: actor, db) }
        return report
    }

    static func chainHead(_ db: Database) throws -> AuditChain.Head {
        let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1")
        return AuditChain.Head(seq: row?["seq"] ?? 0, hash: row?["hash"])
    }

    /// Checks the entries after `from` (0: the whole chain): their links, the changes they record,
    /// and that each row they last wrote still has that content; the rows written behind the
    /// triggers since (new ids past the last chained one; the whole table for payroll runs and
    /// recovery lines, whose keys are not ids; every row when `from` is 0); and the payroll runs'
    /// recorded heads. The first finding in chain order is reported.
    /// The recorded checks of the chain whose own chain entry matches them, as a subquery: a check
    /// row inserted or edited behind the service (a clean check forged to lift the payroll gate) is
    /// not one.
    static func trustedChecks(_ db: Database) throws -> String {
        """
        SELECT c.* FROM audit_check c JOIN audit_chain a ON a.table_name = 'audit_check' AND a.row_key = c.id AND a.op = 'I'
          AND a.content_sha256 = \(try AppDatabase.auditContent("audit_check", "c", db))
        """
    }

    /// `full`: the whole walk's extra comparisons (every person's state with their events), which
    /// the day's check leaves out (docs/audit.md).
    static func checkChain(after from: Int64, full: Bool, _ db: Database) throws -> AuditReport {
        var walk = AuditChain.Walk(
            previous: try Data.fetchOne(db, sql: "SELECT hash FROM audit_chain WHERE seq = ?", arguments: [from]))
        let entries = try Row.fetchCursor(
            db,
            sql: "SELECT seq, table_name, row_key, op, at, content_sha256, hash, prior_sha256 FROM audit_chain WHERE seq > ? ORDER BY seq",
            arguments: [from])
        while let row = try entries.next() {
            walk.check(
                AuditChain.Entry(
                    seq: row[0], table: row[1], key: AppDatabase.auditValue(row[2]),
                    operation: AuditChain.Operation(rawValue: row[3]) ?? .delete, at: row[4], content: row[5], hash: row[6],
                    prior: row[7]))
        }
        var findings: [AuditChain.Finding] = walk.finding.map { [$0] } ?? []
        var rows = 0
        for table in AuditChain.tables.map(\.name) {
            let (compared, finding) = try checkRows(of: table, after: from, db)
            rows += compared
            if let finding { findings.append(finding) }
        }
        // A run's anchor is looked at last: a row that does not match names the change more precisely.
        if findings.isEmpty,
            let anchor = try Row.fetchOne(
                db,
                sql: """
                    SELECT r.month, r.chain_seq FROM payroll_run r LEFT JOIN audit_chain a ON a.seq = r.chain_seq
                    WHERE r.chain_seq > ? AND (a.seq IS NULL OR a.hash IS NOT r.chain_hash) ORDER BY r.chain_seq LIMIT 1
                    """, arguments: [from])
        {
            findings.append(
                AuditChain.Finding(
                    problem: .anchorMismatch, table: "payroll_run", key: anchor[0], seq: anchor[1],
                    detail: "the chain head the run recorded is not the chain's entry \(anchor[1] as Int64)"))
        }
        // Each check recorded the chain's head it reached: a head no longer in the chain (entries cut
        // at the end, the chain rewritten) or a chain shorter than a check saw is found here even
        // when nothing after `from` is left to walk.
        if findings.isEmpty,
            let cut = try Row.fetchOne(
                db,
                sql: """
                    SELECT c.id, c.to_seq, c.checked_at FROM audit_check c LEFT JOIN audit_chain a ON a.seq = c.to_seq
                    WHERE c.head_hash IS NOT NULL AND (a.seq IS NULL OR a.hash IS NOT c.head_hash) ORDER BY c.to_seq LIMIT 1
                    """)
        {
            findings.append(
                AuditChain.Finding(
                    problem: .anchorMismatch, table: "audit_check", key: String(cut["id"] as Int64), seq: cut["to_seq"],
                    detail:
                        "the head the check of \(cut["checked_at"] as String) reached (entry \(cut["to_seq"] as Int64)) is no longer in the chain: entries were cut or rewritten"
                ))
        }
        // The state the payroll reads against the events (the whole chain only: a walk of every person).
        if findings.isEmpty, full,
            let person = try Row.fetchOne(
                db,
                sql: """
                    SELECT id, status, expected, kind, day, suspended_on, death_day, deadline, recorded FROM (
                      SELECT p.id, p.status, p.suspended_on, p.death_day, p.deadline, k.kind, k.day,
                        CASE k.kind WHEN 'deceased' THEN 'deceased' WHEN 'suspended' THEN 'suspended'
                          WHEN 'death_reversed' THEN 'suspended' ELSE 'active' END AS expected,
                        (SELECT e.day FROM ledger_event e WHERE e.person_id = p.id AND e.kind = 'deceased' AND e.id < k.id
                           ORDER BY e.id DESC LIMIT 1) AS reversed_death,
                        (SELECT e.deadline FROM ledger_event e WHERE e.person_id = p.id AND e.deadline IS NOT NULL
                           ORDER BY e.id DESC LIMIT 1) AS recorded
                      FROM person p LEFT JOIN ledger_event k ON k.id = (
                        SELECT e.id FROM ledger_event e WHERE e.person_id = p.id
                          AND e.kind IN ('suspended', 'resumed', 'reinstated', 'deceased', 'death_reversed') ORDER BY e.id DESC LIMIT 1))
                    WHERE status != expected
                      OR (kind = 'suspended' AND suspended_on IS NOT day)
                      OR (kind = 'deceased' AND death_day IS NOT day)
                      OR (kind = 'death_reversed' AND (suspended_on IS NULL OR suspended_on > reversed_death))
                      OR (expected = 'active' AND (suspended_on IS NOT NULL OR death_day IS NOT NULL))
                      OR (expected = 'suspended' AND suspended_on IS NULL)
                      OR (recorded IS NOT NULL AND deadline IS NOT recorded)
                    LIMIT 1
                    """)
        {
            let event = (person["kind"] as String?).map { "a \($0) event of \(person["day"] as String? ?? "?")" }
            let cause =
                event.map { "their last change of status is \($0)" } ?? "no event ever changed their status"
            findings.append(
                AuditChain.Finding(
                    problem: .stateMismatch, table: "person", key: person["id"], seq: nil,
                    detail:
                        "the person is \(person["status"] as String) (suspended on \(person["suspended_on"] as String? ?? "-"), died \(person["death_day"] as String? ?? "-"), deadline \(person["deadline"] as String)), but \(cause) and their last recorded deadline is \(person["recorded"] as String? ?? "none"): they should be \(person["expected"] as String) (edited behind the service)"
                ))
        }
        if findings.isEmpty, let missing = try missingTrigger(db) {
            findings.append(
                AuditChain.Finding(
                    problem: .triggerMissing, table: missing.table, key: missing.trigger, seq: nil,
                    detail: "the trigger that chains this table's changes was dropped: changes since are not chained"))
        }
        let first = findings.min { ($0.seq ?? .max) < ($1.seq ?? .max) }
        return AuditReport(entries: walk.entries, rows: rows, head: try chainHead(db), finding: first)
    }

    /// Compares the rows of `table` whose latest entry is after `from` with it, and looks for rows
    /// with no entry; returns the rows compared and the first finding (the lowest entry).
    private static func checkRows(of table: String, after from: Int64, _ db: Database) throws -> (Int, AuditChain.Finding?) {
        let key = AppDatabase.auditKey(table, "t")
        let content = try AppDatabase.auditContent(table, "t", db)
        // The whole chain: this table's entries through the index; the day's: the entries after
        // `from` by seq (the index would read every entry the table ever had).
        let byTable = from > 0 ? "+l.table_name" : "l.table_name"
        let latest = """
            SELECT l.row_key, l.seq, l.op, l.content_sha256 FROM audit_chain l
            WHERE \(byTable) = '\(table)' AND l.seq > \(from) AND l.op != 'B'
              AND l.seq = (SELECT max(n.seq) FROM audit_chain n WHERE n.table_name = l.table_name AND n.row_key = l.row_key AND n.op != 'B')
            """
        var compared = 0
        var finding: AuditChain.Finding?
        func note(_ problem: AuditChain.Finding.Problem, _ row: Row, _ detail: String) {
            let seq: Int64? = row["seq"]
            guard finding == nil || (seq ?? .max) < (finding?.seq ?? .max) else { return }
            finding = AuditChain.Finding(
                problem: problem, table: table, key: AppDatabase.auditValue(row["row_key"]).keyText, seq: seq, detail: detail)
        }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT l.row_key, l.seq, l.op, l.content_sha256 AS chained, \(content) AS current, (\(key)) IS NOT NULL AS present
                FROM (\(latest)) l LEFT JOIN \(table) t ON \(key) = l.row_key
                """)
        while let row = try rows.next() {
            compared += 1
            let present: Bool = row["present"]
            let deleted = (row["op"] as String) == AuditChain.Operation.delete.rawValue
            if present && deleted {
                note(.contentChanged, row, "the row was deleted (chain entry \(row["seq"] as Int64)) and is there again")
            } else if present && (row["chained"] as Data) != (row["current"] as Data) {
                note(.contentChanged, row, "its content is not what chain entry \(row["seq"] as Int64) recorded")
            } else if !present && !deleted {
                note(.rowMissing, row, "the row is gone and the chain records no delete")
            }
        }
        if let laundered = try checkPriors(of: table, after: from, db), (laundered.seq ?? .max) < (finding?.seq ?? .max) {
            finding = laundered
        }
        if AuditChain.batchedTables.contains(table) {
            let (batches, batchFinding) = try checkBatches(of: table, after: from, db)
            compared += batches
            if let batchFinding, (batchFinding.seq ?? .max) < (finding?.seq ?? .max) { finding = batchFinding }
            if finding == nil, let unchained = try uncoveredRow(of: table, after: from, db) {
                finding = AuditChain.Finding(
                    problem: .rowUnchained, table: table, key: unchained, seq: nil,
                    detail: "the row has no chain entry (written behind the service)")
            }
            return (compared, finding)
        }
        // Rows with no entry at all: for id tables, those past the last id chained before `from`.
        // `+(key)` drops the column's affinity: compared with it, the untyped `row_key` could not
        // be looked up in its index (every row would scan the table's entries).
        let newer =
            from > 0 && key == "t.id"
            ? """
            AND t.id > coalesce((SELECT row_key FROM audit_chain WHERE table_name = '\(table)' AND seq <= \(from)
              ORDER BY row_key DESC LIMIT 1), 0)
            """ : ""
        if finding == nil,
            let unchained = try Row.fetchOne(
                db,
                sql: """
                    SELECT \(key) AS row_key FROM \(table) t
                    WHERE NOT EXISTS (SELECT 1 FROM audit_chain a WHERE a.table_name = '\(table)' AND a.row_key = +(\(key))) \(newer)
                    LIMIT 1
                    """)
        {
            note(.rowUnchained, unchained, "the row has no chain entry (written behind the triggers)")
        }
        return (compared, finding)
    }

    /// The first update or delete of `table` after `from` whose recorded prior content is not what
    /// the row's previous entry recorded (a row entry, or for a person the batch that chained
    /// them): the row was edited behind the triggers before the service changed it.
    private static func checkPriors(of table: String, after from: Int64, _ db: Database) throws -> AuditChain.Finding? {
        let byTable = from > 0 ? "+l.table_name" : "l.table_name"
        let changes = try Row.fetchCursor(
            db,
            sql: """
                SELECT l.seq, l.row_key, l.prior_sha256 AS prior,
                  (SELECT p.content_sha256 FROM audit_chain p WHERE p.table_name = l.table_name AND p.row_key = l.row_key
                     AND p.op != 'B' AND p.seq < l.seq ORDER BY p.seq DESC LIMIT 1) AS before
                FROM audit_chain l
                WHERE \(byTable) = ? AND l.seq > ? AND l.op IN ('U', 'D') AND l.prior_sha256 IS NOT NULL ORDER BY l.seq
                """, arguments: [table, from])
        let keepsDigests = AuditChain.table(table)?.keepsDigests == true
        while let change = try changes.next() {
            let seq: Int64 = change["seq"]
            var before: Data? = change["before"]
            if before == nil && keepsDigests { before = try batchedDigest(of: table, key: change["row_key"], before: seq, db) }
            let key = AppDatabase.auditValue(change["row_key"]).keyText
            guard let before else {
                return AuditChain.Finding(
                    problem: .rowUnchained, table: table, key: key, seq: seq,
                    detail: "chain entry \(seq) changed a row no earlier entry records: it was inserted behind the service")
            }
            guard before != (change["prior"] as Data) else { continue }
            return AuditChain.Finding(
                problem: .contentChanged, table: table, key: key, seq: seq,
                detail:
                    "the row was edited behind the service before chain entry \(seq) changed it: it was not what its previous entry recorded"
            )
        }
        return nil
    }

    /// The whole digest a batch before entry `seq` kept for the row keyed `key` (by its rowid), or nil.
    private static func batchedDigest(of table: String, key: DatabaseValue, before seq: Int64, _ db: Database) throws -> Data? {
        guard
            let rowid = try Int64.fetchOne(
                db, sql: "SELECT rowid FROM \(table) t WHERE \(AppDatabase.auditKey(table, "t")) = ?", arguments: [key]),
            let batch = try Row.fetchOne(
                db,
                sql: """
                    SELECT row_key, last_key, row_count, row_marks FROM audit_chain
                    WHERE table_name = ? AND op = 'B' AND row_key <= ? AND last_key >= ? AND seq < ? ORDER BY seq DESC LIMIT 1
                    """, arguments: [table, rowid, rowid, seq])
        else { return nil }
        let (first, last, count): (Int64, Int64, Int) = (batch[0], batch[1], batch[2])
        // A batch of consecutive rowids holds the row at its offset; otherwise at its position among
        // the rows still there (a row removed since shifts it: then the mismatch is reported).
        let index =
            Int64(count) == last - first + 1
            ? Int(rowid - first)
            : try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE rowid BETWEEN ? AND ?", arguments: [first, rowid - 1]) ?? 0
        return AuditChain.Batch.mark(batch[3], at: index, width: 32)
    }

    /// The first of the chain's triggers (``AppDatabase/installAuditChain(_:tables:batched:)``) that is gone.
    private static func missingTrigger(_ db: Database) throws -> (table: String, trigger: String)? {
        let present = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        for table in AuditChain.tables {
            for suffix in (table.batched ? [] : ["insert"]) + ["update", "delete"] {
                let name = "audit_chain_\(table.name)_\(suffix)"
                if !present.contains(name) { return (table.name, name) }
            }
        }
        for name in ["audit_chain_immutable", "audit_chain_kept"] where !present.contains(name) { return ("audit_chain", name) }
        return nil
    }

    /// Recomputes each batch entry of `table` after `from` from the rows it covers; returns the rows
    /// compared and the first finding, naming the row that no longer matches its mark.
    private static func checkBatches(of table: String, after from: Int64, _ db: Database) throws -> (Int, AuditChain.Finding?) {
        guard let covered = AuditChain.table(table) else { return (0, nil) }
        let content = try AppDatabase.auditContent(table, "t", db)
        let key = covered.batchKey
        let rows = try db.makeStatement(
            sql: "SELECT \(key), \(content) FROM \(table) t WHERE \(key) BETWEEN ? AND ? ORDER BY \(key)")
        let batches = try Row.fetchCursor(
            db,
            sql: """
                SELECT seq, row_key, last_key, row_count, content_sha256 FROM audit_chain
                WHERE table_name = ? AND op = 'B' AND seq > ? ORDER BY seq
                """, arguments: [table, from])
        var compared = 0
        while let entry = try batches.next() {
            let (seq, first, last, count): (Int64, Int64, Int64, Int) = (entry[0], entry[1], entry[2], entry[3])
            if covered.keepsDigests {
                let (rows, finding) = try checkKeptDigests(of: table, in: (seq, first, last, count, entry[4]), db)
                compared += rows
                if let finding { return (compared, finding) }
                continue
            }
            var batch = AuditChain.Batch()
            let cursor = try Row.fetchCursor(rows, arguments: [first, last])
            while let row = try cursor.next() { batch.append(id: row[0], digest: row[1]) }
            compared += batch.count
            guard batch.count != count || batch.content() != (entry[4] as Data) else { continue }
            let marks = try Data.fetchOne(db, sql: "SELECT row_marks FROM audit_chain WHERE seq = ?", arguments: [seq]) ?? Data()
            return (compared, try nameRow(of: table, in: (seq, first, last, count), marks: marks, rows, db))
        }
        return (compared, nil)
    }

    /// A batch that keeps its rows' digests (``AuditChain/Table/keepsDigests``): the entry must
    /// follow from its kept digests, and each row not changed since by an entry of its own must
    /// still have its kept digest.
    private static func checkKeptDigests(
        of table: String, in batch: (seq: Int64, first: Int64, last: Int64, count: Int, content: Data), _ db: Database
    ) throws -> (Int, AuditChain.Finding?) {
        let digests = try Data.fetchOne(db, sql: "SELECT row_marks FROM audit_chain WHERE seq = ?", arguments: [batch.seq]) ?? Data()
        let kept = AuditChain.Batch.rebuilt(first: batch.first, last: batch.last, digests: digests)
        guard kept.count == batch.count, kept.content() == batch.content else {
            return (
                0,
                AuditChain.Finding(
                    problem: .brokenLink, table: table, key: "\(batch.first)..\(batch.last)", seq: batch.seq,
                    detail: "the batch's kept digests are not those its entry hashed")
            )
        }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT t.rowid, \(AppDatabase.auditKey(table, "t")), \(try AppDatabase.auditContent(table, "t", db)),
                  EXISTS (SELECT 1 FROM audit_chain a WHERE a.table_name = '\(table)' AND a.row_key = +\(AppDatabase.auditKey(table, "t"))
                    AND a.op != 'B' AND a.seq > ?) AS superseded
                FROM \(table) t WHERE t.rowid BETWEEN ? AND ? ORDER BY t.rowid
                """, arguments: [batch.seq, batch.first, batch.last])
        let consecutive = Int64(batch.count) == batch.last - batch.first + 1
        var index = 0
        var compared = 0
        var firstGap: Int64?
        while let row = try rows.next() {
            let rowid: Int64 = row[0]
            if consecutive {
                if firstGap == nil && Int(rowid - batch.first) > index { firstGap = batch.first + Int64(index) }
                index = Int(rowid - batch.first)
            }
            compared += 1
            defer { index += 1 }
            // A row changed since by the service has its own entry, which the row is compared with.
            if row["superseded"] as Bool { continue }
            if AuditChain.Batch.mark(digests, at: index, width: 32) != (row[2] as Data) {
                return (
                    compared,
                    AuditChain.Finding(
                        problem: .contentChanged, table: table, key: AppDatabase.auditValue(row[1]).keyText, seq: batch.seq,
                        detail: "its content is not what chain entry \(batch.seq) recorded")
                )
            }
        }
        if compared < batch.count && firstGap == nil && consecutive { firstGap = batch.first + Int64(index) }
        if compared < batch.count {
            // The row's key went with it: a run of consecutive rows names the missing one by rowid.
            let missing = consecutive ? firstGap.map { "rowid \($0)" } : nil
            return (
                compared,
                AuditChain.Finding(
                    problem: .rowMissing, table: table, key: missing ?? "\(batch.first)..\(batch.last)", seq: batch.seq,
                    detail: "\(batch.count - compared) of the batch's rows are gone and the chain records no delete")
            )
        }
        return (compared, nil)
    }

    /// The first row of a batch that does not match: a row whose digest is not its mark, or an id
    /// missing from a batch that was a run of consecutive ids.
    private static func nameRow(
        of table: String, in batch: (seq: Int64, first: Int64, last: Int64, count: Int), marks: Data, _ rows: Statement,
        _ db: Database
    ) throws -> AuditChain.Finding {
        let consecutive = Int64(batch.count) == batch.last - batch.first + 1
        func finding(_ problem: AuditChain.Finding.Problem, _ key: String, _ detail: String) -> AuditChain.Finding {
            AuditChain.Finding(problem: problem, table: table, key: key, seq: batch.seq, detail: detail)
        }
        var index = 0
        let cursor = try Row.fetchCursor(rows, arguments: [batch.first, batch.last])
        while let row = try cursor.next() {
            let id: Int64 = row[0]
            let digest: Data = row[1]
            if consecutive, Int(id - batch.first) > index {
                return finding(.rowMissing, String(batch.first + Int64(index)), "the row is gone and the chain records no delete")
            }
            if AuditChain.Batch.mark(marks, at: index) != digest.prefix(AuditChain.Batch.markBytes) {
                return finding(.contentChanged, String(id), "its content is not what chain entry \(batch.seq) recorded")
            }
            index += 1
        }
        if index < batch.count {
            return finding(
                .rowMissing, consecutive ? String(batch.first + Int64(index)) : "\(batch.first)..\(batch.last)",
                "the row is gone and the chain records no delete")
        }
        return finding(
            .contentChanged, "\(batch.first)..\(batch.last)", "the rows are not what chain entry \(batch.seq) recorded")
    }

    /// The first row of a batched table that no entry covers: neither a row entry of its own (rows
    /// chained one by one before migration 24) nor a batch's range. Only rows past those chained
    /// by `from` when `from` is not 0 (the day's check).
    private static func uncoveredRow(of table: String, after from: Int64, _ db: Database) throws -> String? {
        let batchKey = AuditChain.table(table)?.batchKey ?? "id"
        var floor: Int64 = 0
        if from > 0 {
            floor =
                try Int64.fetchOne(
                    db, sql: "SELECT max(last_key) FROM audit_chain WHERE table_name = ? AND op = 'B' AND seq <= ?",
                    arguments: [table, from]) ?? 0
            // Rows chained one by one before migration 24 (events and payroll lines, keyed by id).
            if batchKey == "id" {
                let single = try Int64.fetchOne(
                    db, sql: "SELECT max(+row_key) FROM audit_chain WHERE table_name = ? AND op = 'I' AND seq <= ?",
                    arguments: [table, from])
                floor = max(floor, single ?? 0)
            }
        }
        // The ranges the batches cover, in id order; the rows in the gaps between them (and past
        // the last) must each have an insert entry of their own (events and payroll lines chained
        // before migration 24; never a person). An update entry proves nothing: a row inserted
        // behind the service and then changed through it has one.
        let ranges = try Row.fetchAll(
            db,
            sql: "SELECT row_key, last_key FROM audit_chain WHERE table_name = ? AND op = 'B' AND last_key > ? ORDER BY row_key",
            arguments: [table, floor]
        ).map { ($0[0] as Int64, $0[1] as Int64) }
        let key = AppDatabase.auditKey(table, "t")
        let unchained = try db.makeStatement(
            sql: """
                SELECT \(key) FROM \(table) t WHERE t.\(batchKey) > ? AND t.\(batchKey) < ?
                  AND NOT EXISTS (SELECT 1 FROM audit_chain a WHERE a.table_name = '\(table)' AND a.row_key = +\(key) AND a.op = 'I')
                ORDER BY t.\(batchKey) LIMIT 1
                """)
        func first(_ low: Int64, _ high: Int64) throws -> String? {
            try DatabaseValue.fetchOne(unchained, arguments: [low, high]).map { AppDatabase.auditValue($0).keyText }
        }
        var low = floor
        for (start, end) in ranges + [(Int64.max, Int64.max)] {
            if start > low + 1, let key = try first(low, start) { return key }
            low = max(low, end)
        }
        // Rows with ids at or below 0 are below every range.
        if let key = try first(Int64.min, 1) { return key }
        return nil
    }

    /// Records a check in `audit_check`, with the finding's person when the row has one.
    static func recordCheck(_ report: AuditReport, from: Int64, day: Day?, by actor: String, _ db: Database) throws {
        let finding = report.finding
        var person: String? = finding?.table == "person" ? finding?.key : nil
        if let finding, ["ledger_event", "decision", "payroll_line", "recovery", "benefit_amount", "refund"].contains(finding.table) {
            person = try String.fetchOne(
                db, sql: "SELECT person_id FROM \(finding.table) WHERE id = ?", arguments: [Int64(finding.key)])
        }
        try db.execute(
            sql: """
                INSERT INTO audit_check (checked_at, actor, day, from_seq, to_seq, head_hash, problem, table_name, row_key, seq, person_id, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                timestamp(), actor, day?.description, from, report.head.seq, report.head.hash, finding?.problem.rawValue, finding?.table,
                finding?.key, finding?.seq, person, finding?.detail,
            ])
    }
}
