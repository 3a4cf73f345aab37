import Foundation

/// After `maxFailures` consecutive failed verifications, a person or a device waits
/// `firstDelay` seconds, doubling with each further failure up to `maxDelay`.
public struct LockoutPolicy: Sendable, Equatable {
    public var maxFailures: Int
    public var firstDelay: Double
    public var maxDelay: Double

    public init(maxFailures: Int = 5, firstDelay: Double = 30, maxDelay: Double = 86_400) {
        self.maxFailures = maxFailures
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
    }

    /// Until when `failures` consecutive failures, the last at `last`, lock further attempts.
    public func lockedUntil(failures: Int, last: Date) -> Date? {
        guard failures >= maxFailures else { return nil }
        let delay = min(maxDelay, firstDelay * pow(2, Double(min(failures - maxFailures, 30))))
        return last.addingTimeInterval(delay)
    }

    /// The lock that recent decided attempts (newest first; `failed` for not_verified, false for
    /// verified) put on a person or a device: the failures since the last success count.
    public func state(recent: [(failed: Bool, at: Date)]) -> LockState {
        let failures = recent.prefix { $0.failed }
        guard let last = failures.first?.at else { return LockState(failures: 0, lockedUntil: nil) }
        return LockState(failures: failures.count, lockedUntil: lockedUntil(failures: failures.count, last: last))
    }
}

/// The consecutive failures (not_verified, since the last success) of a person or a device,
/// and until when they are locked out.
public struct LockState: Sendable, Equatable {
    public var failures: Int
    public var lockedUntil: Date?

    public init(failures: Int, lockedUntil: Date?) {
        self.failures = failures
        self.lockedUntil = lockedUntil
    }
}
