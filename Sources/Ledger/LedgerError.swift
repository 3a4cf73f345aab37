/// A ledger input or rule that cannot be applied, with a message a person can act on.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A short stable identifier ("invalid_resident_id", "unknown_kind", ...).
    public var code: String
    public var message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }
}
