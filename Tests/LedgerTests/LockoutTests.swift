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
        let at = { (offset: Double) in Self.start.addingTimeInterval(offset) }
        let recent: [(failed: Bool, at: Date)] = [(true, at(40)), (true, at(30)), (true, at(20)), (false, at(10)), (true, at(0))]
        let state = Self.policy.state(recent: recent)
        #expect(state.failures == 3 && state.lockedUntil == at(70))
        #expect(Self.policy.state(recent: [(false, at(50))] + recent) == LockState(failures: 0, lockedUntil: nil))
        #expect(Self.policy.state(recent: []) == LockState(failures: 0, lockedUntil: nil))
    }
}
