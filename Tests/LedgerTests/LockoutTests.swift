import Foundation
import Ledger
import Testing

@Suite("Lockout arithmetic")
struct LockoutTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static let policy = LockoutPolicy(maxFailures: 3, firstDelay: 30, maxDelay: 600)

    @Test(
        "the delay starts at the allowed failures, doubles with each further one, and stops at the maximum",
        arguments: [
            (2, nil), (3, 30.0), (4, 60.0), (5, 120.0), (9, 600.0), (200, 600.0),
        ])
    func delay(failures: Int, seconds: Double?) {
        let until = Self.policy.lockedUntil(failures: failures, last: Self.start)
        #expect(until.map { $0.timeIntervalSince(Self.start) } == seconds)
    }

    @Test("only the failures since the last success count, timed from the newest")
    func consecutive() {
        #expect(LockoutPolicy.failuresSinceLastSuccess([true, true, true, false, true]) == 3)
        #expect(LockoutPolicy.failuresSinceLastSuccess([false, true, true]) == 0)
        #expect(LockoutPolicy.failuresSinceLastSuccess([]) == 0)
        let newest = Self.start.addingTimeInterval(40)
        #expect(Self.policy.state(failures: 3) { newest } == LockState(failures: 3, lockedUntil: newest.addingTimeInterval(30)))
        #expect(Self.policy.state(failures: 2) { newest } == LockState(failures: 2, lockedUntil: nil))
        #expect(
            Self.policy.state(failures: 0) {
                Issue.record("no failure: no time to read"); return newest
            } == LockState(failures: 0, lockedUntil: nil))
        #expect(Self.policy.state(failures: 4) { nil } == LockState(failures: 0, lockedUntil: nil))
    }
}
