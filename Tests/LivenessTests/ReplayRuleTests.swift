import Foundation
import Liveness
import Testing

/// The near-duplicate replay rule on difference hashes: most frames within a few bits of one earlier
/// session's frames is a replay; a frame or two close is not.
@Suite("Replay rule")
struct ReplayRuleTests {
    /// A 256-bit hash with the first `bits` bits of `base` flipped.
    static func flipped(_ base: Data, _ bits: Int) -> Data {
        var hash = base
        for bit in 0..<bits { hash[bit / 8] ^= UInt8(0x80 >> (bit % 8)) }
        return hash
    }

    static func random() -> Data { Data((0..<32).map { _ in UInt8.random(in: 0...255) }) }

    @Test("half the frames within 4 bits of one earlier session's frames replay it; 5 bits, or fewer frames, do not")
    func rule() {
        let policy = LivenessPolicy()
        let earlier = (0..<8).map { _ in Self.random() }
        let unrelated = (0..<8).map { _ in Self.random() }
        let new = (0..<8).map { _ in Self.random() }
        // Four of eight frames re-encoded (within 4 bits), in another order, the rest new.
        let replay =
            [Self.flipped(earlier[5], 4), Self.flipped(earlier[0], 1), earlier[3], Self.flipped(earlier[7], 2)] + new.prefix(4)
        #expect(policy.replay(of: replay, in: [unrelated, earlier]) == ReplayMatch(session: 1, matched: 4, frames: 8))
        #expect(policy.replay(of: Array(replay.prefix(3)) + new.prefix(5), in: [earlier]) == nil, "three of eight")
        #expect(policy.replay(of: earlier.map { Self.flipped($0, 5) }, in: [earlier]) == nil, "every frame 5 bits away")
        #expect(policy.replay(of: earlier, in: []) == nil)
        // Two frames of five close: under half.
        #expect(policy.replay(of: Array(earlier.prefix(2)) + new.prefix(3), in: [earlier]) == nil)
    }

    @Test("featureless frames (black while the exposure settles) match nothing: a dark start is not someone else's capture")
    func featureless() {
        let policy = LivenessPolicy()
        let dark = Data(count: 32)
        let earlier = [dark, dark, dark] + (0..<3).map { _ in Self.random() }
        let living = [dark, dark, dark, dark] + (0..<3).map { _ in Self.random() }
        #expect(policy.replay(of: living, in: [earlier]) == nil)
    }
}
