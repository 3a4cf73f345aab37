/// Failed face verifications are never a lockout for the person: each time their consecutive
/// failures (from any device, since the last success) reach a multiple of `every`, their community
/// gets a field check instead (someone may be trying their identity: staff see the person).
public enum FailureEscalation {
    /// A decided verification attempt, as the rule reads it.
    public struct Attempt: Sendable, Equatable {
        public var failed: Bool
        /// The device (or, for an attempt recorded without one, the key) it came from.
        public var device: String

        public init(failed: Bool, device: String) {
            self.failed = failed
            self.device = device
        }
    }

    /// The field check to open, with its reason.
    public struct FieldCheck: Sendable, Equatable {
        public var failures: Int
        public var devices: Int
        public var reason: String
    }

    /// The field check the person's decided attempts (newest first, the newest just recorded)
    /// call for, or nil: none when `every` is 0 (escalation off) or the consecutive failures are
    /// not a positive multiple of it.
    public static func fieldCheck(newestFirst attempts: [Attempt], every: Int) -> FieldCheck? {
        guard every > 0 else { return nil }
        let failures = LockoutPolicy.failuresSinceLastSuccess(attempts.lazy.map(\.failed))
        guard failures >= every, failures % every == 0 else { return nil }
        let devices = Set(attempts.prefix(failures).map(\.device)).count
        return FieldCheck(
            failures: failures, devices: devices,
            reason:
                "\(failures) failed face verifications in a row from \(devices) device(s): see the person in person; someone else may be trying their identity"
        )
    }
}
