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

    /// The failures since the last success, from decided attempts newest first (true: failed).
    public static func failuresSinceLastSuccess(_ newestFirst: some Sequence<Bool>) -> Int {
        newestFirst.prefix { $0 }.reduce(0) { count, _ in count + 1 }
    }

    /// The lock `failures` consecutive failures put on a person or a device, the newest at
    /// `lastFailure` (read only when there are failures: its time is parsed from storage).
    public func state(failures: Int, lastFailure: () -> Date?) -> LockState {
        guard failures > 0, let last = lastFailure() else { return LockState(failures: 0, lockedUntil: nil) }
        return LockState(failures: failures, lockedUntil: lockedUntil(failures: failures, last: last))
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
