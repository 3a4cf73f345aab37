import GRDB
import Ledger

extension LedgerStore {
    /// The person with this resident ID, or nil when the ledger has no such person.
    public func person(_ id: ResidentID) async throws -> PersonView? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, \(Self.ledgerColumns), name, unit_code, benefit_level, monthly_amount_fen,
                          (SELECT actor FROM person_entry WHERE id = entry_id) AS entered_by,
                          (SELECT at FROM person_entry WHERE id = entry_id) AS entered_at
                        FROM person WHERE id = ?
                        """,
                    arguments: [id.value])
            else { return nil }
            var timeline: [PersonView.Entry] = try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, class, source, observed_day, delivered_by, received_at FROM evidence WHERE person_id = ?
                    ORDER BY observed_day, id
                    """,
                arguments: [id.value]
            ).map { e in
                PersonView.Entry(
                    kind: "evidence", day: Day(e["observed_day"] as String)!,
                    detail: "\(e["kind"] as String) (\(e["class"] as String), from \(e["source"] as String))", actor: e["delivered_by"],
                    recordedAt: e["received_at"])
            }
            timeline += try Row.fetchAll(
                db,
                sql:
                    "SELECT kind, day, cause, back_pay_months, actor, rules_version, recorded_at FROM ledger_event WHERE person_id = ? ORDER BY id",
                arguments: [id.value]
            ).map { e in
                var detail: String = e["cause"]
                if let months = e["back_pay_months"] as Int? { detail += "; back pay owed: \(months) month(s)" }
                return PersonView.Entry(
                    kind: e["kind"], day: Day(e["day"] as String)!, detail: detail, actor: e["actor"], rulesVersion: e["rules_version"],
                    recordedAt: e["recorded_at"])
            }
            // Tasks: opened (the reason), and closed with what staff found, their note and who closed it.
            for t in try Row.fetchAll(
                db,
                sql:
                    "SELECT id, kind, reason, status, outcome, created_on, closed_on, note, closed_by FROM task WHERE person_id = ? ORDER BY id",
                arguments: [id.value])
            {
                let number: Int64 = t["id"], kind: String = t["kind"]
                timeline.append(
                    PersonView.Entry(
                        kind: "task_opened", day: Day(t["created_on"] as String)!, detail: "\(kind) #\(number): \(t["reason"] as String)",
                        actor: nil))
                if let closed = (t["closed_on"] as String?).flatMap(Day.init) {
                    var detail = "\(kind) #\(number): \(t["outcome"] as String? ?? t["status"] as String)"
                    if let note = t["note"] as String? { detail += "; note: \(note)" }
                    timeline.append(PersonView.Entry(kind: "task_closed", day: closed, detail: detail, actor: t["closed_by"]))
                }
            }
            timeline += try Self.verificationEntries(id, db)
            timeline += try Self.sightingEntries(id, db)
            timeline.sort { ($0.day, $0.kind == "evidence" ? 0 : 1) < ($1.day, $1.kind == "evidence" ? 0 : 1) }
            return PersonView(
                id: id, name: row["name"], unitCode: row["unit_code"], benefitLevel: row["benefit_level"],
                monthlyAmountFen: row["monthly_amount_fen"], ledger: Self.ledger(row, at: 1), timeline: timeline,
                enteredBy: row["entered_by"], enteredAt: row["entered_at"])
        }
    }

    /// The person's latest sightings at cameras (100 at most), oldest first: the outcome and its
    /// reason, the site and its unit, the distance when a face was compared; never an image.
    static func sightingEntries(_ id: ResidentID, _ db: Database) throws -> [PersonView.Entry] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM (SELECT id, site, site_unit, captured_day, captured_at, outcome, reason, distance, actor, recorded_at
                               FROM sighting WHERE person_id = ? ORDER BY id DESC LIMIT 100) ORDER BY id
                """, arguments: [id.value]
        ).map { s in
            var detail = "\(s["outcome"] as String) (\(s["reason"] as String)) at \(s["site"] as String), unit \(s["site_unit"] as String)"
            if let distance = s["distance"] as Double? { detail += String(format: "; distance %.4f", distance) }
            return PersonView.Entry(
                kind: "sighting", day: Day(s["captured_day"] as String)!, detail: detail, actor: s["actor"], recordedAt: s["recorded_at"])
        }
    }

    /// The person's latest face verifications (100 at most: a device hammering at a lock is
    /// recorded each time), oldest first: the decision, how the face was decided (the rule, its
    /// score and threshold, the distance) or why none was compared, and the key that asked.
    static func verificationEntries(_ id: ResidentID, _ db: Database) throws -> [PersonView.Entry] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT decision, distance, reasons, rule, score, threshold, key_id, at FROM verification_attempt
                WHERE person_id = ? ORDER BY id DESC LIMIT 100
                """,
            arguments: [id.value]
        ).reversed().compactMap { a in
            guard let day = Day(String((a["at"] as String).prefix(10))) else { return nil }
            var detail: String = a["decision"]
            let distance = (a["distance"] as Double?).map { String(format: "%.4f", $0) } ?? "-"
            switch (a["rule"] as String?, a["score"] as Double?, a["threshold"] as Double?) {
            case ("cohort", let score, let threshold?):
                detail +=
                    ": cohort rule, score " + (score.map { String(format: "%.2f", $0) } ?? "past the ceiling")
                    + String(format: " against %.2f", threshold) + " (distance \(distance))"
            case ("distance", _, let threshold?):
                detail += ": distance \(distance)" + String(format: " against %.4f", threshold)
            default:
                if let reasons = a["reasons"] as String? { detail += ": \(reasons)" }
            }
            return PersonView.Entry(kind: "verification", day: day, detail: detail, actor: a["key_id"])
        }
    }
}
