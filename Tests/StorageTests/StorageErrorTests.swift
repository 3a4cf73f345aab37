import Foundation
import GRDB
import Ledger
import Testing

@testable import Storage

/// A database failure is classified by what a retry can do.
@Suite("Store failures")
struct StorageErrorTests {
    @Test(
        "busy, locked, I/O and a full disk are database (retry); a constraint is constraint_violated; anything else database_fault",
        arguments: [
            (ResultCode.SQLITE_BUSY, StorageError.Code.database), (.SQLITE_LOCKED, .database), (.SQLITE_IOERR, .database),
            (.SQLITE_FULL, .database), (.SQLITE_CONSTRAINT, .constraint), (.SQLITE_CONSTRAINT_CHECK, .constraint),
            (.SQLITE_CONSTRAINT_UNIQUE, .constraint), (.SQLITE_CONSTRAINT_FOREIGNKEY, .constraint),
            (.SQLITE_CONSTRAINT_NOTNULL, .constraint), (.SQLITE_ERROR, .databaseFault), (.SQLITE_CORRUPT, .databaseFault),
            (.SQLITE_READONLY, .databaseFault), (.SQLITE_NOTADB, .databaseFault),
        ])
    func classified(result: ResultCode, code: StorageError.Code) {
        let classified = StorageError.classifying(DatabaseError(resultCode: result, message: "test"))
        #expect((classified as? StorageError)?.code == code)
    }

    @Test("a rule's refusal and a store error pass as they are; another error is a fault")
    func passedThrough() {
        let refusal = LedgerError(.personExists, "already registered")
        #expect((StorageError.classifying(refusal) as? LedgerError) == refusal)
        let key = StorageError(.templateKey, "no key")
        #expect((StorageError.classifying(key) as? StorageError) == key)
        #expect((StorageError.classifying(CocoaError(.fileReadCorruptFile)) as? StorageError)?.code == .databaseFault)
    }

    @Test("a row that breaks a constraint through the store's own write is constraint_violated")
    func throughTheStore() async throws {
        let database = try AppDatabase(DatabaseQueue(configuration: AppDatabase.makeConfiguration()))
        let store = LedgerStore(database: database, rules: try LedgerRules.shipped())
        // A raw write through the store's wrapper: a unit of a level the schema's CHECK refuses.
        let error = await #expect(throws: StorageError.self) {
            try await store.write { db in
                try db.execute(sql: "INSERT INTO unit (code, name, level, path) VALUES ('1', 'x', 'village', '/1/')")
            }
        }
        #expect(error?.code == .constraint)
    }
}
