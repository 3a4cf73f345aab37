/// A failure of the store itself, not of the request: the database (busy, or broken) or the
/// template key. Each has a stable code; the service answers it without its detail (the detail is
/// logged). A rule or a store's refusal of the request is a `LedgerError`.
///
/// A constraint of the schema (CHECK, UNIQUE, FOREIGN KEY, NOT NULL) is never the caller's to
/// break: every write checks what a caller could get wrong first, inside the same transaction
/// (SQLite runs one writer at a time, so no other request can slip in between), and refuses with
/// a `LedgerError` (`person_exists`, `payroll_run_exists`, `invalid_amount`, ...). A violation
/// that reaches SQLite is therefore a check the store is missing: `constraint_violated`, a fault
/// (500, logged with the constraint), never "busy, retry" (a retry fails the same way).
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable codes; the service maps each to one HTTP status.
    public enum Code: String, Sendable, CaseIterable {
        /// the database is busy, locked or failed to read or write (I/O, full disk): a retry may succeed
        case database
        /// a write broke a constraint of the schema: a check the store is missing (a fault)
        case constraint = "constraint_violated"
        /// the database refused a statement, or its file is corrupt, read-only or not a database: a
        /// fault no retry mends
        case databaseFault = "database_fault"
        /// no template key was configured, or it cannot be read or created
        case templateKey = "template_key"
        /// a template could not be sealed
        case templateSeal = "template_seal"
        /// a stored template cannot be opened with this key (wrong key, altered)
        case templateUnreadable = "template_unreadable"
    }

    public var code: Code
    /// What failed, for the log (may hold SQL or a path: never sent to a client).
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code.rawValue)]" }
}
