import Foundation
import GRDB
import Ledger

/// Cameras' sightings (`sighting`): one row per site and capture id with what the engine decided
/// (never the still), the strong evidence a `confirmed` one is, and the alarm two `other_face`
/// ones within the window raise.
public struct SightingRecordStore: LedgerBacked {
    let ledger: LedgerStore
    /// Opens the card holder's template for the engine; nil for tools that never decide.
    let vault: TemplateVault?

    public init(ledger: LedgerStore, vault: TemplateVault?) {
        self.ledger = ledger
        self.vault = vault
    }

    public func sightingSubject(_ id: ResidentID) async throws -> (person: PersonRecord, template: [[Float]]?)? {
        let (person, sealed) = try await read { db in
            (try PersonStore.personRecord(id, db), try FaceTemplateRow.fetchOne(db, key: id.value))
        }
        guard let person else { return nil }
        return (person, try sealed.map { try TemplateVault.required(vault).open($0.sealed, for: id) })
    }

    public func storedSighting(siteUnit: String, site: String, captureID: String, person: ResidentID, stillsSHA256: Data)
        async throws -> SightingAnswer?
    {
        try await read { db in
            try Self.stored(siteUnit: siteUnit, site: site, captureID: captureID, person: person, stillsSHA256: stillsSHA256, db)
        }
    }

    /// The answer of the row already stored for the site and capture id; `capture_id_reused` when
    /// that row is of another person or other stills (a capture id is never used twice at a site).
    static func stored(siteUnit: String, site: String, captureID: String, person: ResidentID, stillsSHA256: Data, _ db: Database)
        throws -> SightingAnswer?
    {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT id, person_id, stills_sha256, outcome, reason FROM sighting
                    WHERE site_unit = ? AND site = ? AND capture_id = ?
                    """, arguments: [siteUnit, site, captureID])
        else { return nil }
        guard row["person_id"] as String == person.value, row["stills_sha256"] as Data == stillsSHA256 else {
            throw LedgerError(
                .captureIdReused,
                "capture_id \(captureID) was already used at \(site) for another card or other stills: each capture needs its own id")
        }
        return SightingAnswer(
            sightingId: row["id"], captureId: captureID, site: site, outcome: Sighting.Outcome(rawValue: row["outcome"]) ?? .noDecision,
            reason: row["reason"], replayed: true)
    }

    public func recordSighting(_ decided: Sighting, rules: SightingRules, receivedOn: Day) async throws -> SightingAnswer {
        let ledger = ledger
        return try await write { db in
            if let stored = try Self.stored(
                siteUnit: decided.siteUnit, site: decided.site, captureID: decided.captureID, person: decided.person,
                stillsSHA256: decided.stillsSHA256, db)
            {
                return stored
            }
            var sighting = decided
            if sighting.outcome != .noDecision, let reused = try Self.reusedStill(sighting, db) {
                sighting.outcome = .noDecision
                sighting.reason = reused
            }
            var evidenceID: Int64?
            if sighting.outcome == .confirmed {
                evidenceID = try Self.confirm(sighting, receivedOn: receivedOn, ledger: ledger, db)
            }
            let now = LedgerStore.timestamp()
            let alarm =
                sighting.outcome == .otherFace
                ? try ledger.raiseOtherFaceAlarm(for: sighting, window: rules.otherFaceWindowDays, on: receivedOn, at: now, db) : nil
            try db.execute(
                sql: """
                    INSERT INTO sighting (person_id, site_unit, site, capture_id, captured_at, captured_day, key_id, actor, stills_sha256,
                        stills, still_sha256s, outcome, reason, distance, passive_real, quality, confirm_threshold, other_face_threshold,
                        evidence_id, alarm_task_id, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    sighting.person.value, sighting.siteUnit, sighting.site, sighting.captureID, sighting.capturedAt,
                    sighting.capturedDay.description, sighting.keyID, sighting.actor, sighting.stillsSHA256, sighting.stills,
                    Data(sighting.stillHashes.joined()), sighting.outcome.rawValue, sighting.reason, sighting.distance,
                    sighting.passiveReal, sighting.quality,
                    sighting.confirmThreshold, sighting.otherFaceThreshold, evidenceID, alarm, now,
                ])
            let id = db.lastInsertedRowID
            return SightingAnswer(
                sightingId: id, captureId: sighting.captureID, site: sighting.site, outcome: sighting.outcome, reason: sighting.reason,
                replayed: false)
        }
    }

    /// Why a decided sighting's stills cannot count, or nil: one of them is one of the person's
    /// enrollment photos (`enrollment_photo`), or was sent before for the person in another
    /// sighting, at any site (`still_seen_before`). A camera captures a new image at every card
    /// use; a file sent again, under a new capture id, is someone replaying a photo of the card
    /// holder (to certify a dead person) or of another face (to hold a living person's payment).
    static func reusedStill(_ sighting: Sighting, _ db: Database) throws -> String? {
        let hashes = Set(sighting.stillHashes)
        guard !hashes.isEmpty else { return nil }
        let enrolled = try Data.fetchAll(
            db, sql: "SELECT sha256 FROM enrollment_photo WHERE person_id = ?", arguments: [sighting.person.value])
        if enrolled.contains(where: hashes.contains) { return "enrollment_photo" }
        let cursor = try Data.fetchCursor(
            db, sql: "SELECT still_sha256s FROM sighting WHERE person_id = ?", arguments: [sighting.person.value])
        while let earlier = try cursor.next() {
            for start in stride(from: 0, to: earlier.count - 31, by: 32)
            where hashes.contains(earlier.subdata(in: earlier.startIndex + start..<earlier.startIndex + start + 32)) {
                return "still_seen_before"
            }
        }
        return nil
    }

    /// A confirmed sighting as strong evidence `video_confirmation` from the camera network,
    /// through the one evidence path (checked, stored once, applied, the person re-evaluated), in
    /// the sighting's transaction. Returns the evidence's id.
    static func confirm(_ sighting: Sighting, receivedOn: Day, ledger: LedgerStore, _ db: Database) throws -> Int64 {
        var payload: [String: String] = [
            "site": sighting.site, "unit": sighting.siteUnit, "capture_id": sighting.captureID,
            "threshold": String(sighting.confirmThreshold),
        ]
        if let distance = sighting.distance { payload["distance"] = String(distance) }
        let text = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])).map {
            String(decoding: $0, as: UTF8.self)
        }
        let row = EvidenceInput(
            line: 1, source: "camera_network", externalID: "sighting:\(sighting.siteUnit):\(sighting.site):\(sighting.captureID)",
            residentID: sighting.person.value, kind: "video_confirmation", observedAt: sighting.capturedAt, payload: text)
        let (report, evidenceID) = try ledger.applyOne(row, delivery: .camera(by: sighting.actor, receivedOn: receivedOn), db)
        if let problem = report.problems.first { throw LedgerError(.verificationEvidence, "a confirmed sighting: \(problem.reason)") }
        guard let evidenceID else {
            throw LedgerError(.verificationEvidence, "a confirmed sighting's evidence was already present under another capture")
        }
        return evidenceID
    }

    public func sightingCounts(units: [String], from: Day, until: Day) async throws -> [SightingCounts] {
        try await read { db in
            try units.map { unit in
                guard let path = try self.ledger.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
                var counts = SightingCounts(unit: unit)
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT outcome, reason, count(*) AS n FROM sighting
                        WHERE site_unit IN (SELECT code FROM unit WHERE instr(path, ?) = 1) AND captured_day BETWEEN ? AND ?
                        GROUP BY outcome, reason
                        """, arguments: [path, from.description, until.description])
                {
                    let n: Int = row["n"]
                    switch Sighting.Outcome(rawValue: row["outcome"]) {
                    case .confirmed: counts.confirmed += n
                    case .otherFace: counts.otherFace += n
                    case .noDecision, nil:
                        counts.noDecision += n
                        counts.noDecisionReasons[row["reason"], default: 0] += n
                    }
                }
                return counts
            }
        }
    }
}

extension LedgerStore {
    /// The `other_face` rule, for an `other_face` sighting about to be recorded: when the person
    /// already has another `other_face` sighting captured within `window` days of it, and none of
    /// those raised an alarm yet, they go on their community's attention list and a field check
    /// opens at once (today), the cause naming the sites and days; the change is recorded on their
    /// ledger with the camera's actor. Returns the attention task, which the new sighting keeps
    /// (it is chained on insert and never updated). One alarm per window: a third other face
    /// within it is counted, not another visit.
    func raiseOtherFaceAlarm(for sighting: Sighting, window: Int, on day: Day, at now: String, _ db: Database) throws -> Int64? {
        let captured = sighting.capturedDay
        let person = sighting.person.value
        let earlier = try Row.fetchAll(
            db,
            sql: """
                SELECT site, captured_day FROM sighting
                WHERE person_id = ? AND outcome = 'other_face' AND captured_day BETWEEN ? AND ?
                  AND id > coalesce((SELECT max(id) FROM sighting WHERE person_id = ? AND alarm_task_id IS NOT NULL), 0)
                ORDER BY captured_day, id
                """,
            arguments: [
                person, captured.adding(days: -(window - 1)).description, captured.adding(days: window - 1).description, person,
            ])
        // Another day: two captures of one card use (a camera's retry, a second still a minute
        // later) are one sighting of whoever stood there, not a pattern.
        guard earlier.contains(where: { $0["captured_day"] as String != captured.description }),
            let row = try Row.fetchOne(db, sql: "SELECT id, unit_code, status FROM person WHERE id = ?", arguments: [person]),
            row["status"] as String != PersonLedger.Status.deceased.rawValue
        else { return nil }
        let seen = (earlier.map { ($0["captured_day"] as String, $0["site"] as String) } + [(captured.description, sighting.site)])
            .sorted { $0.0 < $1.0 }.map { "\($0.1) on \($0.0)" }
        let cause =
            "another face than the card holder's at a camera \(seen.count) times within \(window) days: \(seen.joined(separator: "; ")); see the person in person"
        try openTask(row, kind: "attention", key: captured, reason: cause, on: day, db)
        let attention = try Int64.fetchOne(
            db, sql: "SELECT id FROM task WHERE person_id = ? AND kind = 'attention' AND key_day = ?",
            arguments: [person, captured.description])
        try openTask(row, kind: "field_check", key: day, reason: cause, on: day, db)
        try Self.record(
            [LedgerChange(kind: .attention, day: day, cause: cause)], person: person, evidence: nil, actor: sighting.actor, at: now,
            rules: rulesVersion, db)
        // The payment is held from the next payroll run until a person-to-person check (a visit, a
        // face verification, a counter) confirms them; the sources that kept them certified since
        // the first of these sightings are named in conflicts.
        try placeRuleHold(person: person, cause: DeferralRules.otherFaceHoldReason(cause), rule: DeferralRules.otherFaceActor, on: day, db)
        let first = earlier.compactMap { Day($0["captured_day"] as String) }.min() ?? captured
        try recordKeptCertified(
            person: person, since: first.adding(days: -1), against: "other_face sightings", on: day, by: DeferralRules.otherFaceActor,
            now: now, db)
        return attention
    }
}
