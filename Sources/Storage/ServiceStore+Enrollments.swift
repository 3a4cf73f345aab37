import Foundation
import GRDB
import Ledger

extension ServiceStore {

    static let upsertTemplateSQL = """
        INSERT INTO face_template (person_id, sealed, photos, enrolled_at, enrolled_by) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(person_id) DO UPDATE SET sealed = excluded.sealed, photos = excluded.photos,
            enrolled_at = excluded.enrolled_at, enrolled_by = excluded.enrolled_by
        """

    /// Stores a person's template with its photos' record and an event, in one transaction.
    /// Refuses (`already_enrolled`) when the person has a template and `replacing` is false, so two
    /// operators enrolling the same person at once cannot both win.
    public func saveEnrollment(
        _ embeddings: [[Float]], photos: [EnrollmentPhoto], for id: ResidentID, by actor: String, replacing: Bool, detail: String? = nil
    ) async throws(LedgerError) {
        let sealed = try vault.seal(embeddings, for: id)
        let now = Self.now()
        try await write { db in
            let existing = try Int.fetchOne(db, sql: "SELECT photos FROM face_template WHERE person_id = ?", arguments: [id.value])
            if existing != nil && !replacing {
                throw LedgerError(.alreadyEnrolled, "\(id) is already enrolled; replace the enrollment to enroll new photos")
            }
            try db.execute(sql: Self.upsertTemplateSQL, arguments: [id.value, sealed, embeddings.count, now, actor])
            try db.execute(sql: "DELETE FROM enrollment_photo WHERE person_id = ?", arguments: [id.value])
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO enrollment_photo (person_id, position, sha256, accepted, codes, reasons, faces_found, inter_eye_pixels,
                        sharpness, brightness, yaw)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for (position, photo) in photos.enumerated() {
                try insert.execute(arguments: [
                    id.value, position, Data(hex: photo.sha256) ?? Data(), photo.accepted, photo.codes.joined(separator: ","),
                    photo.reasons.joined(separator: "; "), photo.facesFound, photo.interEyePixels, photo.sharpness, photo.brightness,
                    photo.yaw,
                ])
            }
            try Self.insertEvent(id, existing == nil ? "enrolled" : "replaced", photos: embeddings.count, actor: actor, at: now, detail, db)
        }
    }

    /// Stores many persons' templates at once, each as an enrollment without photo records, in
    /// one transaction (a bulk load from another system; the duplicate-search benchmark).
    public func saveTemplates(_ templates: [(ResidentID, [[Float]])], by actor: String) async throws(LedgerError) {
        let vault = try vault
        var sealed: [(String, Data, Int)] = []
        sealed.reserveCapacity(templates.count)
        for (id, embeddings) in templates { sealed.append((id.value, try vault.seal(embeddings, for: id), embeddings.count)) }
        let now = Self.now()
        try await write { [sealed] db in
            let template = try db.cachedStatement(sql: Self.upsertTemplateSQL)
            let event = try db.cachedStatement(
                sql: "INSERT INTO enrollment_event (person_id, action, photos, actor, at) VALUES (?, 'enrolled', ?, ?, ?)")
            for (id, box, photos) in sealed {
                try template.execute(arguments: [id, box, photos, now, actor])
                try event.execute(arguments: [id, photos, actor, now])
            }
        }
    }

    /// Records an event that changes no template (an enrollment refused as a duplicate).
    public func recordEnrollmentEvent(_ id: ResidentID, action: String, by actor: String, detail: String?) async throws(LedgerError) {
        let now = Self.now()
        try await write { db in try Self.insertEvent(id, action, photos: 0, actor: actor, at: now, detail, db) }
    }

    static func insertEvent(_ id: ResidentID, _ action: String, photos: Int, actor: String, at: String, _ detail: String?, _ db: Database)
        throws
    {
        try db.execute(
            sql: "INSERT INTO enrollment_event (person_id, action, photos, actor, at, detail) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [id.value, action, photos, actor, at, detail])
    }

    /// The person's enrollment and its history; nil when the ledger has no such person.
    public func enrollment(_ id: ResidentID) async throws(LedgerError) -> EnrollmentRecord? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT p.unit_code, u.path, t.photos, t.enrolled_at, t.enrolled_by
                        FROM person p JOIN unit u ON u.code = p.unit_code LEFT JOIN face_template t ON t.person_id = p.id
                        WHERE p.id = ?
                        """, arguments: [id.value])
            else { return nil }
            let photos = try Row.fetchAll(
                db,
                sql: """
                    SELECT sha256, accepted, codes, reasons, faces_found, inter_eye_pixels, sharpness, brightness, yaw
                    FROM enrollment_photo WHERE person_id = ? ORDER BY position
                    """, arguments: [id.value]
            ).map { photo in
                EnrollmentPhoto(
                    sha256: (photo[0] as Data).hexString, accepted: photo[1], codes: Self.split(photo[2], by: ","),
                    reasons: Self.split(photo[3], by: "; "), facesFound: photo[4], interEyePixels: photo[5], sharpness: photo[6],
                    brightness: photo[7], yaw: photo[8])
            }
            let events = try Row.fetchAll(
                db, sql: "SELECT action, photos, actor, at, detail FROM enrollment_event WHERE person_id = ? ORDER BY id",
                arguments: [id.value]
            ).map { EnrollmentEvent(action: $0[0], photos: $0[1], actor: $0[2], at: $0[3], detail: $0[4]) }
            return EnrollmentRecord(
                person: id, unitCode: row[0], unitPath: row[1], referencePhotos: row[2] ?? 0, enrolledAt: row[3], enrolledBy: row[4],
                photos: photos, events: events)
        }
    }

    static func split(_ text: String, by separator: String) -> [String] {
        text.isEmpty ? [] : text.components(separatedBy: separator)
    }

    /// Enrolled persons whose community lies under `scope`, by resident ID, after `after`.
    public func enrollments(scope: String, after: ResidentID? = nil, limit: Int = 100) async throws(LedgerError) -> [EnrollmentSummary] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.person_id, p.unit_code, t.photos, t.enrolled_at, t.enrolled_by
                    FROM face_template t JOIN person p ON p.id = t.person_id JOIN unit u ON u.code = p.unit_code
                    WHERE u.path LIKE ? || '%' AND t.person_id > ?
                    ORDER BY t.person_id LIMIT ?
                    """, arguments: [scope, after?.value ?? "", limit]
            ).map {
                EnrollmentSummary(
                    person: try ResidentID($0[0] as String), unitCode: $0[1], referencePhotos: $0[2], enrolledAt: $0[3], enrolledBy: $0[4])
            }
        }
    }

    /// Deletes the person's template and photo record, recording who did it and why. Returns false
    /// when there was nothing enrolled.
    public func deleteEnrollment(_ id: ResidentID, by actor: String, reason: String?) async throws(LedgerError) -> Bool {
        let now = Self.now()
        return try await write { db in
            try db.execute(sql: "DELETE FROM face_template WHERE person_id = ?", arguments: [id.value])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM enrollment_photo WHERE person_id = ?", arguments: [id.value])
            let detail = try reason.map { String(decoding: try JSONEncoder().encode(["reason": $0]), as: UTF8.self) }
            try Self.insertEvent(id, "deleted", photos: 0, actor: actor, at: now, detail, db)
            return true
        }
    }

    /// Opens every enrolled template, `batch` persons at a time, and hands them to `body` (to
    /// fill the duplicate-search index). Templates that cannot be opened are counted, not handed.
    public func forEachTemplate(batch: Int = 10_000, _ body: @Sendable ([(ResidentID, [[Float]])]) -> Void) async throws(LedgerError)
        -> (templates: Int, unreadable: Int)
    {
        let vault = try vault
        var after = ""
        var total = 0
        var unreadable = 0
        while true {
            let rows = try await read { [after] db in
                try Row.fetchAll(
                    db, sql: "SELECT person_id, sealed FROM face_template WHERE person_id > ? ORDER BY person_id LIMIT ?",
                    arguments: [after, batch]
                ).map { ($0[0] as String, $0[1] as Data) }
            }
            guard let last = rows.last else { break }
            after = last.0
            var opened: [(ResidentID, [[Float]])] = []
            opened.reserveCapacity(rows.count)
            for (text, sealed) in rows {
                do throws(LedgerError) {
                    let id = try ResidentID(text)
                    opened.append((id, try vault.open(sealed, for: id)))
                } catch {
                    unreadable += 1
                }
            }
            total += opened.count
            body(opened)
        }
        return (total, unreadable)
    }

    /// The last enrollment event's number (0 when none), to follow changes made by other processes.
    public func lastEnrollmentEvent() async throws(LedgerError) -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM enrollment_event") ?? 0 }
    }

    /// Persons whose template changed (enrolled, replaced, deleted) after event `after`, and the
    /// last event's number: another process (the command line beside the service) may have enrolled.
    public func enrollmentChanges(after: Int64) async throws(LedgerError) -> (last: Int64, persons: [ResidentID]) {
        try await read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, person_id, action FROM enrollment_event WHERE id > ? ORDER BY id", arguments: [after])
            var persons: [ResidentID] = []
            for row in rows where (row[2] as String) != "duplicate_refused" { persons.append(try ResidentID(row[1] as String)) }
            return ((rows.last?[0] as Int64?) ?? after, persons)
        }
    }

    /// Persons enrolled in all.
    public func enrolledCount() async throws(LedgerError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM face_template") ?? 0 }
    }
}
