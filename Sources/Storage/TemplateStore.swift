import Foundation
import GRDB
import Ledger

/// Sealed face templates (`face_template`) with their enrollment records (`enrollment_photo`,
/// `enrollment_event`), through one record type per table.
public struct TemplateStore: LedgerBacked {
    let ledger: LedgerStore
    /// Seals and opens templates; nil for tools that never touch them.
    let vault: TemplateVault?

    public init(ledger: LedgerStore, vault: TemplateVault?) {
        self.ledger = ledger
        self.vault = vault
    }

    /// The person, or nil when the ledger has no such resident ID.
    public func person(_ id: ResidentID) async throws -> PersonRecord? {
        try await read { db in try PersonStore.personRecord(id, db) }
    }

    /// Stores a person's template with its photos' record and an event, in one transaction.
    /// Refuses (`already_enrolled`) when the person has a template and `replacing` is false, so two
    /// operators enrolling the same person at once cannot both win.
    public func saveEnrollment(
        _ embeddings: [[Float]], photos: [EnrollmentPhoto], for id: ResidentID, by actor: String, replacing: Bool, detail: String? = nil,
        scope: String? = nil
    ) async throws {
        let template = FaceTemplateRow(
            personId: id.value, sealed: try TemplateVault.required(vault).seal(embeddings, for: id), photos: embeddings.count,
            enrolledAt: LedgerStore.timestamp(),
            enrolledBy: actor)
        let rows = photos.enumerated().map { position, photo in
            EnrollmentPhotoRow(
                personId: id.value, position: position, sha256: Data(hex: photo.sha256) ?? Data(), accepted: photo.accepted,
                codes: photo.codes.joined(separator: ","), reasons: photo.reasons.joined(separator: "; "), facesFound: photo.facesFound,
                interEyePixels: photo.interEyePixels, sharpness: photo.sharpness, brightness: photo.brightness, yaw: photo.yaw)
        }
        try await write { db in
            try Self.requireInScope(id, scope, db)
            let existing = try FaceTemplateRow.exists(db, key: id.value)
            if existing && !replacing {
                throw LedgerError(.alreadyEnrolled, "\(id) is already enrolled; replace the enrollment to enroll new photos")
            }
            try template.upsert(db)
            try EnrollmentPhotoRow.filter(Column("person_id") == id.value).deleteAll(db)
            for row in rows { try row.insert(db) }
            var event = EnrollmentEventRow(
                personId: id.value, action: existing ? "replaced" : "enrolled", photos: embeddings.count, actor: actor,
                at: template.enrolledAt, detail: detail)
            try event.insert(db)
        }
    }

    /// Stores many persons' templates at once, each as an enrollment without photo records, in
    /// one transaction (a bulk load from another system; the duplicate-search benchmark).
    public func saveTemplates(_ templates: [(ResidentID, [[Float]])], by actor: String) async throws {
        let vault = try TemplateVault.required(vault)
        let now = LedgerStore.timestamp()
        var rows: [FaceTemplateRow] = []
        rows.reserveCapacity(templates.count)
        for (id, embeddings) in templates {
            rows.append(
                FaceTemplateRow(
                    personId: id.value, sealed: try TemplateVault.required(vault).seal(embeddings, for: id), photos: embeddings.count,
                    enrolledAt: now,
                    enrolledBy: actor))
        }
        try await write { [rows] db in
            for row in rows {
                try row.upsert(db)
                var event = EnrollmentEventRow(
                    personId: row.personId, action: "enrolled", photos: row.photos, actor: actor, at: now, detail: nil)
                try event.insert(db)
            }
        }
    }

    /// Records an event that changes no template (an enrollment refused as a duplicate).
    public func recordEnrollmentEvent(_ id: ResidentID, action: String, by actor: String, detail: String?) async throws {
        let event = EnrollmentEventRow(
            personId: id.value, action: action, photos: 0, actor: actor, at: LedgerStore.timestamp(), detail: detail)
        try await write { db in
            var row = event
            try row.insert(db)
        }
    }

    /// A possible duplicate identity found outside the enrolling caller's scope: a task of kind
    /// `duplicate_identity` for the other person's community (once a day per person: the same task
    /// again on the day) and a `duplicate_suspected` event on their enrollment record, in one
    /// transaction. The other unit's operators see the case; the caller learns only its number.
    public func openDuplicateCase(
        other: ResidentID, enrolling: ResidentID, distance: Double, by actor: String, on day: Day
    ) async throws -> Int64 {
        try await write { db in
            guard let person = try Row.fetchOne(db, sql: "SELECT id, unit_code FROM person WHERE id = ?", arguments: [other.value]),
                let enrollingUnit = try String.fetchOne(db, sql: "SELECT unit_code FROM person WHERE id = ?", arguments: [enrolling.value])
            else { throw LedgerError(.personNotFound, "no person \(other.masked)") }
            let reason = String(
                format:
                    "a face enrolled for a person of unit %@ matches this person's enrolled face (distance %.3f): check both identities in person",
                enrollingUnit, distance)
            try self.ledger.openTask(person, kind: "duplicate_identity", key: day, reason: reason, on: day, db)
            guard
                let id = try Int64.fetchOne(
                    db, sql: "SELECT id FROM task WHERE person_id = ? AND kind = 'duplicate_identity' AND key_day = ?",
                    arguments: [other.value, day.description])
            else { throw StorageError(.databaseFault, "the duplicate-identity task was not stored") }
            let detail = String(
                decoding: try JSONEncoder().encode([
                    "case": "\(id)", "enrolling_unit": enrollingUnit, "distance": String(format: "%.3f", distance),
                ]),
                as: UTF8.self)
            var event = EnrollmentEventRow(
                personId: other.value, action: "duplicate_suspected", photos: 0, actor: actor, at: LedgerStore.timestamp(), detail: detail)
            try event.insert(db)
            return id
        }
    }

    /// The person's enrollment and its history; nil when the ledger has no such person.
    public func enrollment(_ id: ResidentID) async throws -> EnrollmentRecord? {
        try await read { db in
            guard let person = try PersonStore.personRecord(id, db) else { return nil }
            let template = try FaceTemplateRow.fetchOne(db, key: id.value)
            let photos = try EnrollmentPhotoRow.filter(Column("person_id") == id.value).order(Column("position")).fetchAll(db).map {
                EnrollmentPhoto(
                    sha256: $0.sha256.hexString, accepted: $0.accepted, codes: Self.split($0.codes, by: ","),
                    reasons: Self.split($0.reasons, by: "; "), facesFound: $0.facesFound, interEyePixels: $0.interEyePixels,
                    sharpness: $0.sharpness, brightness: $0.brightness, yaw: $0.yaw)
            }
            let events = try EnrollmentEventRow.filter(Column("person_id") == id.value).order(Column("id")).fetchAll(db).map {
                EnrollmentEvent(action: $0.action, photos: $0.photos, actor: $0.actor, at: $0.at, detail: $0.detail)
            }
            return EnrollmentRecord(
                person: id, unitCode: person.unitCode, unitPath: person.unitPath, referencePhotos: template?.photos ?? 0,
                enrolledAt: template?.enrolledAt, enrolledBy: template?.enrolledBy, photos: photos, events: events)
        }
    }

    static func split(_ text: String, by separator: String) -> [String] {
        text.isEmpty ? [] : text.components(separatedBy: separator)
    }

    /// Enrolled persons whose community lies under `scope`, by resident ID, after `after`.
    public func enrollments(scope: String, after: ResidentID? = nil, limit: Int = 100) async throws -> [EnrollmentSummary] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.person_id, p.unit_code, t.photos, t.enrolled_at, t.enrolled_by
                    FROM face_template t JOIN person p ON p.id = t.person_id JOIN unit u ON u.code = p.unit_code
                    WHERE instr(u.path, ?) = 1 AND t.person_id > ?
                    ORDER BY t.person_id LIMIT ?
                    """, arguments: [scope, after?.value ?? "", limit]
            ).map { row in
                EnrollmentSummary(
                    person: try ResidentID(row["person_id"] as String), unitCode: row["unit_code"], referencePhotos: row["photos"],
                    enrolledAt: row["enrolled_at"], enrolledBy: row["enrolled_by"])
            }
        }
    }

    /// Deletes the person's template and photo record, recording who did it and why. Returns false
    /// when there was nothing enrolled.
    public func deleteEnrollment(_ id: ResidentID, by actor: String, reason: String?, scope: String? = nil) async throws -> Bool {
        let now = LedgerStore.timestamp()
        return try await write { db in
            try Self.requireInScope(id, scope, db)
            guard try FaceTemplateRow.deleteOne(db, key: id.value) else { return false }
            try EnrollmentPhotoRow.filter(Column("person_id") == id.value).deleteAll(db)
            let detail = try reason.map { String(decoding: try JSONEncoder().encode(["reason": $0]), as: UTF8.self) }
            var event = EnrollmentEventRow(personId: id.value, action: "deleted", photos: 0, actor: actor, at: now, detail: detail)
            try event.insert(db)
            return true
        }
    }

    /// With a scope, the person must live within it now (checked in the write's transaction): one
    /// outside it is answered as one who does not exist.
    static func requireInScope(_ id: ResidentID, _ scope: String?, _ db: Database) throws {
        guard let scope else { return }
        let path = try String.fetchOne(
            db, sql: "SELECT u.path FROM person p JOIN unit u ON u.code = p.unit_code WHERE p.id = ?", arguments: [id.value])
        guard let path, path.hasPrefix(scope) else { throw LedgerError(.personNotFound, "no person \(id) in this key's unit") }
    }

    /// Opens every enrolled template, `batch` persons at a time, and hands them to `body` (to
    /// fill the duplicate-search index). Templates that cannot be opened are counted, not handed.
    public func forEachTemplate(batch: Int = 10_000, _ body: @Sendable ([(ResidentID, [[Float]])]) -> Void) async throws
        -> (templates: Int, unreadable: Int)
    {
        let vault = try TemplateVault.required(vault)
        var after = ""
        var total = 0
        var unreadable = 0
        while true {
            // Opened (AES-GCM) on the reading connection's thread, not the concurrency pool's: a
            // city's templates take seconds, while the service already answers requests.
            let (last, opened, failed) = try await read { [after] db in
                let rows = try SealedTemplate.fetchAll(
                    db,
                    FaceTemplateRow.select(Column("person_id"), Column("sealed")).filter(Column("person_id") > after)
                        .order(Column("person_id")).limit(batch))
                var opened: [(ResidentID, [[Float]])] = []
                opened.reserveCapacity(rows.count)
                var failed = 0
                for row in rows {
                    do {
                        let id = try ResidentID(row.personId)
                        opened.append((id, try vault.open(row.sealed, for: id)))
                    } catch {
                        failed += 1
                    }
                }
                return (rows.last?.personId, opened, failed)
            }
            guard let last else { break }
            after = last
            unreadable += failed
            total += opened.count
            body(opened)
        }
        return (total, unreadable)
    }

    /// Checks the template key against the enrolled templates (up to `sample` of them, spread over
    /// the table): throws, naming where the key came from, when any cannot be opened. `serve` and
    /// the enrollment commands call it before they start, so a new or wrong key is never used
    /// beside templates sealed with another one.
    public func checkKey(sample: Int = 64) async throws {
        let vault = try TemplateVault.required(vault)
        let (rows, total) = try await read { db in
            let total = try FaceTemplateRow.fetchCount(db)
            let step = max(1, total / sample)
            let rows = try SealedTemplate.fetchAll(
                db,
                sql:
                    "SELECT person_id, sealed FROM face_template WHERE rowid % ? = 0 OR rowid = (SELECT MIN(rowid) FROM face_template) LIMIT ?",
                arguments: [step, sample + 1])
            return (rows, total)
        }
        let unreadable = rows.filter { row in
            guard let id = try? ResidentID(row.personId) else { return true }
            return (try? vault.open(row.sealed, for: id)) == nil
        }.count
        guard unreadable == 0 else {
            throw StorageError(
                .templateKey,
                "\(unreadable) of \(rows.count) enrolled templates checked (\(total) in all) cannot be opened with the template key from \(vault.source) (wrong key file?): it is not the key that sealed them. Restore that key (the file, or FASTCERT_TEMPLATE_KEY); the service does not start with another one"
            )
        }
    }

    /// The last enrollment event's number (0 when none), to follow changes made by other processes.
    public func lastEnrollmentEvent() async throws -> Int64 {
        try await read { db in try EnrollmentEventRow.select(max(Column("id")), as: Int64.self).fetchOne(db) ?? 0 }
    }

    /// Persons whose template changed (enrolled, replaced, deleted) after event `after`, and the
    /// last event's number: another process (the command line beside the service) may have enrolled.
    public func enrollmentChanges(after: Int64) async throws -> (last: Int64, persons: [ResidentID]) {
        try await read { db in
            let events = try EnrollmentEventRow.filter(Column("id") > after).order(Column("id")).fetchAll(db)
            // Events that change no template: refusals, dry runs, cases opened.
            let persons = try events.filter { !["duplicate_refused", "dry_run", "duplicate_suspected"].contains($0.action) }.map {
                try ResidentID($0.personId)
            }
            return (events.last?.id ?? after, persons)
        }
    }

    /// Persons enrolled in all.
    public func enrolledCount() async throws -> Int {
        try await read { db in try FaceTemplateRow.fetchCount(db) }
    }

    /// Replaces the person's face template with these embeddings, sealed (no photo record: for
    /// tools and tests; enrollment uses ``saveEnrollment(_:photos:for:by:replacing:detail:scope:)``).
    public func saveTemplate(_ embeddings: [[Float]], for id: ResidentID, by keyID: String) async throws {
        try await saveEnrollment(embeddings, photos: [], for: id, by: keyID, replacing: true)
    }

    /// The person's enrolled embeddings, or nil when they have no template.
    public func template(for id: ResidentID) async throws -> [[Float]]? {
        guard let row = try await read({ db in try FaceTemplateRow.fetchOne(db, key: id.value) }) else { return nil }
        return try TemplateVault.required(vault).open(row.sealed, for: id)
    }
}

/// Two columns of `face_template`, decoded by hand: the start-up load reads millions of them, where
/// decoding the whole row through Codable doubled the load's time.
struct SealedTemplate: FetchableRecord {
    var personId: String
    var sealed: Data

    init(row: Row) throws {
        personId = row["person_id"]
        sealed = row["sealed"]
    }
}
