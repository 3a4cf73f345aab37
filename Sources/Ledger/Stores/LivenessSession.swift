import Foundation

/// How many liveness sessions one device may ask for: in any minute, and unused at once; and
/// one key in any minute, whatever devices it names (the mobile backend's key names the phone in
/// a header its caller chooses).
public struct LivenessSessionLimits: Sendable, Equatable {
    public var perMinute: Int
    public var open: Int
    public var perKeyPerMinute: Int

    public init(perMinute: Int, open: Int, perKeyPerMinute: Int = 600) {
        self.perMinute = perMinute
        self.open = open
        self.perKeyPerMinute = perKeyPerMinute
    }
}

/// A liveness session: the challenges issued to one caller for one person, used once.
public struct LivenessSession: Sendable, Equatable {
    public var id: String
    public var keyID: String
    public var person: ResidentID
    public var challenges: [String]
    public var expiresAt: Date
    /// When the session was issued: frames cannot span more time than has passed since.
    public var issuedAt: Date?

    public init(id: String, keyID: String, person: ResidentID, challenges: [String], expiresAt: Date, issuedAt: Date? = nil) {
        self.issuedAt = issuedAt
        self.id = id
        self.keyID = keyID
        self.person = person
        self.challenges = challenges
        self.expiresAt = expiresAt
    }
}

/// One submitted frame as the replay check keeps it: the file's hash, and what its decoded picture
/// showed (nil when it could not be decoded).
public struct SubmittedFrame: Sendable, Equatable {
    /// SHA-256 of the file.
    public var sha256: Data
    /// A digest of the decoded pixels: equal for files that decode to the same picture.
    public var pixelDigest: Data?
    /// The picture's difference hash (256 bits), compared by Hamming distance.
    public var differenceHash: Data?

    public init(sha256: Data, pixelDigest: Data? = nil, differenceHash: Data? = nil) {
        self.sha256 = sha256
        self.pixelDigest = pixelDigest
        self.differenceHash = differenceHash
    }
}

/// A session claimed for one submission, with what the store already held of its frames.
public struct LivenessClaim: Sendable {
    public var session: LivenessSession
    /// A frame's file, or its decoded picture, was submitted before in an earlier session (anyone's).
    public var reusedFrames: Bool
    /// The difference hashes of the person's earlier sessions (newest first; each session's frames
    /// in order), for the near-duplicate rule (``earlierSessionIDs`` names them).
    public var earlier: [[Data]]
    public var earlierSessionIDs: [String]

    public init(session: LivenessSession, reusedFrames: Bool, earlier: [[Data]] = [], earlierSessionIDs: [String] = []) {
        self.session = session
        self.reusedFrames = reusedFrames
        self.earlier = earlier
        self.earlierSessionIDs = earlierSessionIDs
    }
}
