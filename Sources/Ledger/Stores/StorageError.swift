/// A failure of the store itself, not of the request: the database (busy, full, unreadable) or
/// the template key. Each has a stable code; the service answers it without its detail (the
/// detail is logged). A rule or a store's refusal of the request is a `LedgerError`.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable codes; the service maps each to one HTTP status.
    public enum Code: String, Sendable, CaseIterable {
        /// the database failed (busy, full, unreadable)
        case database
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

    /// A database failure, keeping the underlying error's text for the log.
    public static func database(_ error: any Error) -> StorageError {
        StorageError(.database, "the ledger database failed: \(error)")
    }

    public var description: String { "\(message) [\(code.rawValue)]" }
}
