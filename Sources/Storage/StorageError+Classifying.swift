import GRDB
import Ledger

extension StorageError {
    /// A database failure, classified by what a retry can do, keeping the underlying error's text
    /// for the log: busy, locked and I/O failures are `database` (retry); a broken constraint is
    /// `constraint_violated`; anything else (a statement SQLite refuses, a corrupt or read-only
    /// file, a row that does not decode) is `database_fault`.
    public static func database(_ error: any Error) -> StorageError {
        let message = "the ledger database failed: \(error)"
        guard let error = error as? DatabaseError else { return StorageError(.databaseFault, message) }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_NOMEM, .SQLITE_INTERRUPT,
            .SQLITE_PROTOCOL:
            return StorageError(.database, message)
        case .SQLITE_CONSTRAINT: return StorageError(.constraint, message)
        default: return StorageError(.databaseFault, message)
        }
    }

    /// What a store call's failure is for its caller: a ``LedgerError`` or a ``StorageError`` as
    /// it is, any other (a database error) classified as ``database(_:)`` does.
    public static func classifying(_ error: any Error) -> any Error {
        switch error {
        case is LedgerError, is StorageError, is CancellationError: error
        default: database(error)
        }
    }
}
