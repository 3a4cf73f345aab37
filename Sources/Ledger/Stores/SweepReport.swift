import Foundation

/// What one sweep did.
public struct SweepReport: Sendable, Equatable {
    public var examined = 0
    public var changes: [String: Int] = [:]

    public init() {}
}
