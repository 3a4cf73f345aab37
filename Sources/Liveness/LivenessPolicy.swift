/// The thresholds of the liveness analysis. Defaults were measured on real frames (see
/// docs/liveness.md); all are configuration, not constants.
public struct LivenessPolicy: Sendable, Equatable, Codable {
    /// Frames a session must send, in capture order.
    public var minFrames = 5
    public var maxFrames = 30
    /// Allowed gap between consecutive capture timestamps, milliseconds.
    public var minFrameGapMs = 10.0
    public var maxFrameGapMs = 2000.0
    /// Yaw cue (nose offset along the eye line over the outer eye-corner distance, about
    /// 0.315 tan(yaw)) relative to the start that counts as a turn (~21 degrees: turns the HOG
    /// detector keeps, and an 85-year-old can make; it was ~30).
    public var turnCue = 0.12
    /// Within this of the start, the head is back to neutral (~11 degrees).
    public var neutralCue = 0.06
    /// The start must be this frontal.
    public var frontalCue = 0.12
    /// Inter-eye distance growth that counts as "closer".
    public var closerScale = 1.25
    /// A turn whose face pixels fit one homography this well (with enough tracks) is a flat photo or
    /// a screen: real turns measured 3-5%, generated tilted prints 51-69% (docs/liveness.md).
    public var planarShare = 0.25
    public var minTracked = 30
    /// Consecutive frames whose landmarks all moved less than this (pixels) are the same frame sent twice.
    public var duplicateLandmarkPixels = 0.02
    /// Identity: frontal frames at most this far apart from each other (the match threshold).
    public var frontalSpread = 0.55
    /// Identity: every frame at most this far from its nearest neighbour (turned faces drift).
    public var continuityDistance = 0.75
    /// Share of frames that must show a face (the detector loses a head turned past ~45 degrees).
    public var minFaceShare = 0.6
    /// Smallest inter-eye distance a frame's face must have, pixels.
    public var minInterEyePixels = 20.0
    /// The passive anti-spoofing models score this many frames, spread over the session (each costs
    /// ~7 ms on a worker), and decide only when at least `minPassiveFrames` of them show a face.
    public var passiveFrames = 5
    public var minPassiveFrames = 2
    /// The median "real" score of the scored frames below which the capture is a screen or a print:
    /// live clips' medians 0.958-0.994, phone replays' 0.000-0.085 (docs/liveness.md).
    public var passiveAttackBelow = 0.5
    /// A score below this is a screen or a print beyond doubt (live frames' lowest 0.725, replay
    /// frames' 0.000-0.18): `minPassiveFrames` such frames make an attack whatever the median, as
    /// when a real person in view at the start lifts the median of a phone replay.
    public var passiveScreenBelow = 0.1
    /// Replays: a frame whose difference hash lies within this many bits (of 256) of a frame of an
    /// earlier session of the same person matches it. Re-encoded copies (JPEG quality 90 and 75) of
    /// the liveness-dev frames lie within 3, another moment of the same clip 5 or more (docs/liveness.md).
    public var replayHashBits = 4
    /// ... and when at least this share of the frames (and at least 2) match frames of one earlier
    /// session, the submission replays it. Another moment of the same clip: at most a third of a
    /// capture's frames matched; a re-encoded copy: all of them.
    public var replayShare = 0.5

    public init() {}
}
