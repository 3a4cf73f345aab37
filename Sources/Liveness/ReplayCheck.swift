import FaceEngine
import Foundation

/// An earlier capture sent again: how many of the frames match frames of which earlier session.
public struct ReplayMatch: Sendable, Equatable {
    /// The index of the earlier session in the list compared against.
    public var session: Int
    /// Frames of this submission within ``LivenessPolicy/replayHashBits`` of a frame of that session.
    public var matched: Int
    public var frames: Int

    public init(session: Int, matched: Int, frames: Int) {
        self.session = session
        self.matched = matched
        self.frames = frames
    }
}

extension LivenessPolicy {
    /// The earlier session whose capture these frames repeat, if any: at least `replayShare` of them
    /// (and at least 2) each lie within `replayHashBits` of one of its frames' difference hashes.
    /// A replay sends the whole capture again; a new capture of the same person in the same place
    /// (a retry seconds later) may come close in a frame or two, never in most (docs/liveness.md).
    /// Featureless frames (``FrameFingerprint/isFeatureless``) count on neither side.
    public func replay(of all: [Data], in earlier: [[Data]]) -> ReplayMatch? {
        let hashes = all.filter { !FrameFingerprint.isFeatureless($0) }
        guard !hashes.isEmpty else { return nil }
        let needed = max(2, Int((replayShare * Double(hashes.count)).rounded(.up)))
        var best: ReplayMatch?
        for (index, session) in earlier.enumerated() {
            let matched = hashes.filter { hash in
                session.contains { !FrameFingerprint.isFeatureless($0) && FrameFingerprint.distance(hash, $0) <= replayHashBits }
            }.count
            if matched >= needed, matched > best?.matched ?? 0 {
                best = ReplayMatch(session: index, matched: matched, frames: hashes.count)
            }
        }
        return best
    }
}
