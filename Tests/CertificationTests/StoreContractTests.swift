import Certification
import Foundation
import Ledger
import Storage
import Testing

/// An implementation of the certification store protocols the contract runs against: the SQLite
/// stores on a real file, and the in-memory ``MemoryStore`` the services' tests use.
enum CertificationBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, memory

    var testDescription: String { rawValue }

    static let inside = "/3702/370202/370202001/370202001001/"
    static let first = ResidentID.completing("37020219400315001")!
    static let second = ResidentID.completing("37020219500720002")!
    /// A person of another district.
    static let elsewhere = ResidentID.completing("37020319450101003")!

    /// Stores with three persons (two in Taiping community, one in another district), and what a
    /// template looks like at rest (nil where nothing is kept at rest).
    func withStores(
        _ body: (
            any EnrollmentStore, any VerificationStore, _ key: String, _ atRest: @Sendable (ResidentID) async throws -> Data?
        ) async throws -> Void
    ) async throws {
        switch self {
        case .memory:
            let store = MemoryStore(persons: [
                try MemoryStore.person(Self.first.value, unitPath: Self.inside, photos: 0),
                try MemoryStore.person(Self.second.value, unitPath: Self.inside, photos: 0),
                try MemoryStore.person(Self.elsewhere.value, unitPath: "/3702/370203/370203001/370203001001/", photos: 0),
            ])
            try await body(store, store, "fc_k", { _ in nil })
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-contract-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = try AppDatabase(path: folder.appending(path: "ledger.sqlite").path)
            let ledger = LedgerStore(database: database, rules: try LedgerRules.shipped())
            _ = try await ledger.importUnits(
                csv: """
                    code,name,level,parent_code
                    3702,Qingdao,city,
                    370202,Shinan,district,3702
                    370202001,Badaguan Street,street,370202
                    370202001001,Taiping Community,community,370202001
                    370203,Shibei,district,3702
                    370203001,Taidong Street,street,370203
                    370203001001,Liaoning Community,community,370203001
                    """, strict: true)
            _ = try await ledger.importPersons(
                csv: """
                    resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
                    \(Self.first.value),A,1940-03-15,370202001001,3,3000,,,0,0
                    \(Self.second.value),B,1950-07-20,370202001001,1,3000,,,0,0
                    \(Self.elsewhere.value),C,1945-01-01,370203001001,1,3000,,,0,0
                    """, today: Day("2025-06-01")!)
            let store = ServiceStore(ledger: ledger, vault: TemplateVault(key: .init(size: .bits256)))
            let key = try await store.keys.createKey(name: "kiosk", role: .kiosk, unit: "370202").key.id
            try await body(
                store.templates, store.verifications, key,
                { id in
                    try await database.texts("SELECT hex(sealed) FROM face_template WHERE person_id = '\(id.value)'").first
                        .flatMap { Data(hex: $0) }
                })
        }
    }
}

/// What every store of enrollments and verifications must do: one enrollment per person unless
/// replaced, writes within the caller's scope or refused as unknown, changes visible to the
/// duplicate index, templates never readable at rest, one response per idempotency key, and
/// liveness sessions used once. The same tests run against each ``CertificationBackend``.
@Suite("Certification store contract")
struct StoreContractTests {
    typealias B = CertificationBackend
    static let embedding: [[Float]] = [(0..<128).map { Float($0) / 128 }]

    @Test("an enrollment is stored once unless replaced, in scope only; its changes reach the index", arguments: B.allCases)
    func enrollment(_ backend: B) async throws {
        try await backend.withStores { enrollments, _, _, atRest in
            let start = try await enrollments.lastEnrollmentEvent()
            try await enrollments.saveEnrollment(
                Self.embedding, photos: [], for: B.first, by: "t", replacing: false, detail: nil, scope: B.inside)
            await #expect(throws: LedgerError.self) {
                try await enrollments.saveEnrollment(
                    Self.embedding, photos: [], for: B.first, by: "t", replacing: false, detail: nil, scope: nil)
            }
            try await enrollments.saveEnrollment(
                Self.embedding, photos: [], for: B.first, by: "t", replacing: true, detail: nil, scope: nil)
            // Another district's person, from Taiping's scope: refused as if unknown, nothing stored.
            do {
                try await enrollments.saveEnrollment(
                    Self.embedding, photos: [], for: B.elsewhere, by: "t", replacing: false, detail: nil, scope: B.inside)
                Issue.record("an enrollment outside the scope was stored")
            } catch let error as LedgerError {
                #expect(error.code == .personNotFound)
            }
            #expect(try await enrollments.template(for: B.elsewhere) == nil)
            #expect(try await enrollments.template(for: B.first) == Self.embedding)
            #expect(try await enrollments.enrolledCount() == 1)
            let changes = try await enrollments.enrollmentChanges(after: start)
            #expect(changes.persons.contains(B.first) && !changes.persons.contains(B.elsewhere) && changes.last > start)
            #expect(try await enrollments.enrollments(scope: B.inside, after: nil, limit: 10).map(\.person) == [B.first])
            #expect(try await enrollments.enrollments(scope: "/3702/370203/", after: nil, limit: 10).isEmpty)
            await #expect(throws: LedgerError.self) {
                _ = try await enrollments.deleteEnrollment(B.first, by: "t", reason: nil, scope: "/3702/370203/")
            }
            #expect(try await enrollments.template(for: B.first) != nil)
            #expect(try await enrollments.deleteEnrollment(B.first, by: "t", reason: "moved", scope: B.inside))
            #expect(try await !enrollments.deleteEnrollment(B.first, by: "t", reason: "again", scope: B.inside))
            #expect(try await enrollments.enrollmentChanges(after: changes.last).persons == [B.first])
            // At rest, a template is sealed: neither its values nor its bytes can be read.
            try await enrollments.saveEnrollment(
                Self.embedding, photos: [], for: B.second, by: "t", replacing: false, detail: nil, scope: nil)
            if let sealed = try await atRest(B.second) {
                let plain = Self.embedding[0].withUnsafeBytes { Data($0) }
                #expect(sealed.count >= plain.count && sealed.range(of: plain.prefix(16)) == nil)
            }
        }
    }

    @Test("one response per idempotency key; the key with another request is refused", arguments: B.allCases)
    func idempotency(_ backend: B) async throws {
        try await backend.withStores { _, verifications, key, _ in
            let tag = IdempotencyTag(keyID: key, key: "retry-1", requestHash: Data([1, 2, 3]))
            #expect(try await verifications.storedResponse(tag) == nil)
            let attempt = VerificationAttempt(
                person: B.first, keyID: key, decision: .notVerified, distance: 0.7, reasons: ["too far"],
                evidenceKind: "face_verification_kiosk")
            let response = try await verifications.record(attempt, tag: tag, escalateAfter: 5) { outcome in
                StoredResponse(status: 200, body: Data("attempt \(outcome.attemptID)".utf8))
            }
            #expect(try await verifications.storedResponse(tag) == response)
            #expect(
                await Self.code {
                    _ = try await verifications.storedResponse(IdempotencyTag(keyID: key, key: "retry-1", requestHash: Data([9])))
                } == .idempotencyKeyReused)
        }
    }

    /// The code of the `LedgerError` `body` throws (nil: it threw none).
    static func code(_ body: () async throws -> Void) async -> LedgerError.Code? {
        do {
            try await body()
            return nil
        } catch let error as LedgerError {
            return error.code
        } catch {
            Issue.record("not a LedgerError: \(error)")
            return nil
        }
    }

    @Test("a liveness session is used once, by its device for its person, and not after it expired", arguments: B.allCases)
    func sessions(_ backend: B) async throws {
        try await backend.withStores { _, verifications, key, _ in
            let now = Date()
            let limits = LivenessSessionLimits(perMinute: 20, open: 4)
            let session = try await verifications.createLivenessSession(
                key: key, device: key, person: B.first, challenges: ["blink"], seconds: 60, limits: limits, at: now)
            let frame = SubmittedFrame(sha256: Data(repeating: 7, count: 32))
            // Another key's, or for another person: as if there were no such session (and still unused).
            #expect(
                await Self.code {
                    _ = try await verifications.claimLivenessSession(session.id, key: "fc_other", person: B.first, frames: [], at: now)
                } == .sessionMismatch)
            #expect(
                await Self.code {
                    _ = try await verifications.claimLivenessSession(session.id, key: key, person: B.second, frames: [], at: now)
                } == .sessionMismatch)
            #expect(
                await Self.code {
                    _ = try await verifications.claimLivenessSession("no-such-session", key: key, person: B.first, frames: [], at: now)
                } == .unknownSession)
            let claim = try await verifications.claimLivenessSession(session.id, key: key, person: B.first, frames: [frame], at: now)
            #expect(claim.session.id == session.id && !claim.reusedFrames)
            #expect(
                await Self.code {
                    _ = try await verifications.claimLivenessSession(session.id, key: key, person: B.first, frames: [], at: now)
                } == .sessionUsed)
            let late = try await verifications.createLivenessSession(
                key: key, device: key, person: B.first, challenges: ["blink"], seconds: 60, limits: limits, at: now)
            #expect(
                await Self.code {
                    _ = try await verifications.claimLivenessSession(
                        late.id, key: key, person: B.first, frames: [], at: now.addingTimeInterval(61))
                } == .sessionExpired)
        }
    }
}
