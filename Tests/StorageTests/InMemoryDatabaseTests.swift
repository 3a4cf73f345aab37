import Foundation
import GRDB
import Ledger
import Testing

@testable import Storage

/// AppDatabase over any GRDB writer: the same migrations and SQL functions on an in-memory queue
/// as on the production pool.
@Suite("Database writers")
struct InMemoryDatabaseTests {
    @Test("an in-memory queue made with the database's configuration migrates and runs the ledger")
    func inMemoryQueue() async throws {
        let database = try AppDatabase(DatabaseQueue(configuration: AppDatabase.makeConfiguration()))
        #expect(try database.appliedMigrations().first == "v1-ledger")
        let store = LedgerStore(database: database, rules: try LedgerRules.shipped())
        #expect(try await store.importUnits(csv: LedgerStoreTests.units).imported == 4)
        #expect(try await store.importPersons(csv: LedgerStoreTests.persons, today: Day("2025-06-01")!).imported == 2)
        // Behaviour events pass through the import's SQL filter (the registered fastcert_may_move).
        var report = ImportReport()
        try await store.importEvidence(
            LedgerStoreTests.evidence([
                "railway,R-1,\(LedgerStoreTests.wang),rail_ticket_checked,2025-12-01",
                "health_insurance,H-1,\(LedgerStoreTests.wang),outpatient_visit,2025-12-02",
                "social_security_bureau,S-1,\(LedgerStoreTests.li),bureau_counter_confirmation,2025-12-03",
            ]), into: &report)
        #expect(report.imported == 3 && report.problems.isEmpty, "\(report.problems)")
        #expect(try await store.person(ResidentID(LedgerStoreTests.li))?.ledger.lastCertified == Day("2025-12-03"))
        #expect(try await store.person(ResidentID(LedgerStoreTests.wang))?.ledger.lastCertified == Day("2025-12-02"))
    }

    @Test("a download page reads on a connection of its own (2 MiB cache, no mapping); closed, the database leaves no WAL behind")
    func downloadConnections() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-lean-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appending(path: "ledger.sqlite").path
        @Sendable func settings(_ db: Database) throws -> String {
            "\(try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? 0) \(try Int.fetchOne(db, sql: "PRAGMA mmap_size") ?? 0)"
        }
        do {
            let database = try AppDatabase(path: file)
            let store = LedgerStore(database: database, rules: try LedgerRules.shipped())
            _ = try await store.importUnits(csv: LedgerStoreTests.units)
            #expect(try await store.read(lean: true) { try settings($0) } == "-2048 0")
            #expect(try await store.read(lean: true) { try Int.fetchOne($0, sql: "SELECT count(*) FROM unit") } == 4)
            #expect(try await database.writer.read { try settings($0) } == "-262144 268435456", "the readers keep theirs")
            // The writer commits with FULL (GRDB's WAL set-up sets NORMAL; the database sets it back).
            #expect(try await database.writer.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
            // A download page's connection is read-only.
            let page = try #require(try database.downloadPage())
            #expect(throws: DatabaseError.self) { try page.writeWithoutTransaction { try $0.execute(sql: "DELETE FROM unit") } }
        }
        // The last connection closed was the writer's: it checkpointed and removed the WAL.
        #expect(!FileManager.default.fileExists(atPath: file + "-wal"), "a stale WAL beside a closed database")
        #expect(try await AppDatabase(path: file).count("SELECT count(*) FROM unit") == 4)
    }
}
