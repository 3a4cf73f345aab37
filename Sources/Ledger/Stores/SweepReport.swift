import Foundation

/// What one sweep did.
public struct SweepReport: Sendable, Equatable {
    public var examined = 0
    public var changes: [String: Int] = [:]
    /// The check of the audit chain's entries since the last check, run after the day's sweep
    /// (nil where the store keeps no chain).
    public var audit: AuditReport?

    public init() {}
}
