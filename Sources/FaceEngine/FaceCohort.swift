import Synchronization

/// The cohort a verification's score is normalized against (``CohortNormalization``): a sample of
/// at most `capacity` enrolled people, the same sample whatever the order they were enrolled in
/// (the people whose resident ID hashes lowest), so that its statistics do not drift as a city's
/// enrollment grows from thousands to millions: a threshold calibrated with a cohort of 2,000
/// holds in a city of 2,000,000.
///
/// Each member keeps the mean of their enrolled embeddings (scored against a probe photo by the
/// service's rule, ``GalleryRule/service``) and their first photo's embedding (scored against an
/// enrolled person's mean, as an impostor's photo would be). Biometric data: in memory only, filled
/// from the sealed templates with the duplicate-search index.
public final class FaceCohort: Sendable {
    public struct Member: Sendable {
        public var owner: String
        /// The mean of the enrolled embeddings, and how many there were.
        public var template: FaceEmbedding
        public var photos: Int
        /// The first enrolled photo's embedding.
        public var photo: FaceEmbedding
    }

    struct State {
        var members: [String: Member] = [:]
        /// Members by rank, lowest first.
        var ranked: [(rank: UInt64, owner: String)] = []
    }

    public let capacity: Int
    private let state = Mutex(State())

    /// 2,000: about the images of lfw-devtrain, where the cohort was measured; a scan of it takes
    /// well under a millisecond.
    public static let defaultCapacity = 2000

    public init(capacity: Int = defaultCapacity) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Members now.
    public var count: Int { state.withLock { $0.members.count } }

    /// A stable rank for an owner (64-bit FNV-1a of the UTF-8 bytes, then a SplitMix64 finalizer to
    /// spread IDs that differ in a few digits): the sample is the `capacity` lowest ranks.
    static func rank(_ owner: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in owner.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }

    /// Offers an owner's enrolled embeddings: kept (replacing any they had) when the owner ranks
    /// among the sample, else ignored. No embeddings removes the owner.
    public func replace(owner: String, with embeddings: [FaceEmbedding]) {
        guard !embeddings.isEmpty else {
            remove(owner: owner)
            return
        }
        let rank = Self.rank(owner)
        let capacity = capacity
        // Most of a city ranks outside the sample: turned away before any work on its embeddings.
        let admitted = state.withLock { state in
            state.members[owner] != nil || state.members.count < capacity || rank < (state.ranked.last?.rank ?? .max)
        }
        guard admitted, let template = FaceEmbedding.mean(embeddings) else { return }
        let member = Member(owner: owner, template: template, photos: embeddings.count, photo: embeddings[0])
        state.withLock { state in
            if state.members[owner] != nil {
                state.members[owner] = member
                return
            }
            if state.members.count >= capacity {
                guard let last = state.ranked.last, rank < last.rank else { return }
                state.ranked.removeLast()
                state.members[last.owner] = nil
            }
            state.ranked.insert((rank, owner), at: Self.insertionPoint(rank, in: state.ranked))
            state.members[owner] = member
        }
    }

    /// Takes an owner out (a deleted enrollment). The sample refills as people enroll.
    public func remove(owner: String) {
        state.withLock { state in
            guard state.members.removeValue(forKey: owner) != nil else { return }
            state.ranked.removeAll { $0.owner == owner }
        }
    }

    static func insertionPoint(_ rank: UInt64, in ranked: [(rank: UInt64, owner: String)]) -> Int {
        var low = 0
        var high = ranked.count
        while low < high {
            let mid = (low + high) / 2
            if ranked[mid].rank < rank { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private var members: [Member] { state.withLock { Array($0.members.values) } }

    /// The `count` members nearest a probe photo: each scored as the service scores a photo against
    /// an enrolled person (``GalleryRule/meanTemplate``, the service's rule, on the member's kept
    /// mean), nearest first.
    public func nearest(toProbe probe: FaceEmbedding, count: Int) -> [CohortNormalization.Neighbour] {
        CohortNormalization.nearest(
            members.map { member in
                CohortNormalization.Neighbour(
                    distance: GalleryRule.distance(probe, toMean: member.template, of: member.photos), owner: member.owner)
            }, count)
    }

    /// The `count` members nearest an enrolled person (their reference embeddings): each member's
    /// first photo scored against them by the service's rule (``GalleryRule/meanTemplate``), as an
    /// impostor's photo would be.
    public func nearest(toReferences references: [FaceEmbedding], count: Int) -> [CohortNormalization.Neighbour] {
        guard let mean = FaceEmbedding.mean(references) else { return [] }
        return CohortNormalization.nearest(
            members.map { member in
                CohortNormalization.Neighbour(
                    distance: GalleryRule.distance(member.photo, toMean: mean, of: references.count), owner: member.owner)
            }, count)
    }

    /// A verification's cohort-normalized score: `distance` (the service's rule) of `probe` against
    /// the claimed person's `references`, the claimed person left out of the cohort. Nil when the
    /// cohort has too few other members for `normalization` (the caller decides by distance).
    public func score(
        distance: Double, probe: FaceEmbedding, references: [FaceEmbedding], claimed: String, normalization: CohortNormalization
    )
        -> CohortScore?
    {
        let keep = normalization.size + 1
        return normalization.score(
            distance: distance, probe: nearest(toProbe: probe, count: keep), reference: nearest(toReferences: references, count: keep),
            excluding: [claimed])
    }
}

/// How the service decides with a cohort (from a people calibration with `--cohort`): a match when
/// the normalized score is at or under `threshold` (a z-value) and the distance within the
/// normalization's ceiling, once the cohort is full; until then by distance.
public struct CohortPolicy: Sendable, Equatable, Codable {
    public var normalization: CohortNormalization
    public var threshold: Double
    /// The cohort sample's size: as many members as it had at calibration (``FaceCohort/capacity``),
    /// and used only once it holds them all (a smaller sample would be looser than calibrated).
    public var members: Int

    public init(normalization: CohortNormalization, threshold: Double, members: Int) {
        self.normalization = normalization
        self.threshold = threshold
        self.members = members
    }

    /// What makes the policy unusable, if anything.
    public var problem: String? {
        guard (2...1000).contains(normalization.size) else { return "a cohort size of \(normalization.size), outside 2 to 1000" }
        guard (0.1...1.5).contains(normalization.ceiling) else { return "a cohort ceiling of \(normalization.ceiling), outside 0.1 to 1.5" }
        guard (-20...20).contains(threshold) else { return "a cohort threshold (z) of \(threshold), outside -20 to 20" }
        guard (normalization.size + 1...100_000).contains(members) else {
            return "a cohort of \(members) members for the \(normalization.size) nearest (more than that, at most 100000)"
        }
        return nil
    }
}
