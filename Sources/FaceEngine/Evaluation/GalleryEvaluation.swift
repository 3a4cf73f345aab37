import Foundation

/// Enrollment with several photos, measured: in a folder of one sub-folder per person, each person
/// with more than `references` photos is enrolled with the first `references` (by file name) and
/// probed with each of the others (genuine attempts, in order); every photo of the people not
/// enrolled, and every probe of an enrolled person, is compared with every other person's
/// enrollment (impostor attempts). Each ``GalleryRule`` scores the same attempts.
///
/// With a cohort normalization, the attempts are also scored as the service scores them with one
/// (``FaceCohort``): the cohort is a sample of every person of the folder, enrolled with their
/// first `references` photos (fewer if they have fewer), less the person claimed and, so that an
/// impostor is not measured against a cohort holding themselves, the probe's own person.
public struct GalleryEvaluation: Sendable {
    /// One image's analysis (its primary face), or why it has none.
    public struct Image: Sendable {
        public var person: String
        public var path: String
        public var analysis: FaceAnalysis?
        public var error: FaceEngineError?
    }

    /// A genuine probe: its person's probes in file order, each with its distance under every rule.
    public struct GenuineAttempt: Sendable {
        public var person: String
        public var path: String
        public var analysis: FaceAnalysis
        public var distances: [GalleryRule: Double]
        /// The cohort-normalized score (with a cohort; nil when it was too small).
        public var cohortScore: Double?
    }

    public var references: Int
    public var enrolledPeople: Int
    /// Enrolled people left out because a reference photo had no usable face.
    public var peopleWithoutUsableReferences: Int
    public var genuine: [GenuineAttempt]
    public var impostor: [GalleryRule: [Double]]
    /// With a cohort: the impostor attempts' normalized scores, and the cohort's members.
    public var cohortImpostor: [Double] = []
    public var cohortMembers = 0
    public var failures: [PairEvaluation.Failure]
    public var imagesAnalysed: Int
    public var seconds: Double

    public func metrics(_ rule: GalleryRule, threshold: Double) -> VerificationMetrics? {
        VerificationMetrics(
            genuine: genuine.compactMap { $0.distances[rule] }, impostor: impostor[rule] ?? [], threshold: threshold,
            fmrTargets: [1e-2, 1e-3, 1e-4])
    }

    /// The cohort-normalized scores' metrics (`threshold` a z-value), when measured.
    public func cohortMetrics(threshold: Double) -> VerificationMetrics? {
        VerificationMetrics(
            genuine: genuine.compactMap(\.cohortScore), impostor: cohortImpostor, threshold: threshold, fmrTargets: [1e-2, 1e-3, 1e-4])
    }

    /// The people (sub-folders of `root`, sorted) and their images (JPEG or PNG files, sorted).
    public static func people(root: URL) throws -> [(person: String, paths: [String])] {
        let files = FileManager.default
        let folders = try files.contentsOfDirectory(atPath: root.path).sorted()
        var people: [(String, [String])] = []
        for folder in folders {
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: root.appending(path: folder).path, isDirectory: &isDirectory), isDirectory.boolValue else {
                continue
            }
            let images = try files.contentsOfDirectory(atPath: root.appending(path: folder).path)
                .filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            if !images.isEmpty { people.append((folder, images.map { "\(folder)/\($0)" })) }
        }
        return people
    }

    public static func run(
        root: URL, references: Int, engine: FaceEngine, cohort normalization: CohortNormalization? = nil,
        cohortCapacity: Int = FaceCohort.defaultCapacity
    ) async throws -> GalleryEvaluation {
        precondition(references >= 1)
        let people = try people(root: root)
        let paths = people.flatMap(\.paths)
        let start = ContinuousClock.now
        let results = await engine.analyze(files: paths.map { root.appending(path: $0) })
        var analyses: [String: FaceAnalysis] = [:]
        var failures: [PairEvaluation.Failure] = []
        for (path, result) in zip(paths, results) {
            switch result {
            case .success(let analysis): analyses[path] = analysis
            case .failure(let error): failures.append(.init(path: path, error: error))
            }
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)

        var galleries: [(person: String, references: [FaceEmbedding], qualities: [FaceQuality])] = []
        var probes: [(person: String, path: String, analysis: FaceAnalysis)] = []
        var withoutReferences = 0
        for (person, paths) in people {
            let usable = paths.compactMap { path in analyses[path].map { (path, $0) } }
            guard paths.count > references else {
                probes += usable.map { (person, $0.0, $0.1) }
                continue
            }
            let enrolled = paths.prefix(references).compactMap { analyses[$0] }
            guard enrolled.count == references else {
                withoutReferences += 1
                continue
            }
            galleries.append((person, enrolled.map(\.primaryFace.embedding), enrolled.map(\.primaryFace.quality)))
            probes += paths.dropFirst(references).compactMap { path in analyses[path].map { (person, path, $0) } }
        }
        // The cohort: everyone, enrolled with their first usable photos among the first `references`.
        let cohort = FaceCohort(capacity: cohortCapacity)
        if normalization != nil {
            for (person, paths) in people {
                cohort.replace(owner: person, with: paths.prefix(references).compactMap { analyses[$0]?.primaryFace.embedding })
            }
        }
        let keep = (normalization?.size ?? 0) + 2
        let galleryNeighbours = normalization == nil ? [] : galleries.map { cohort.nearest(toReferences: $0.references, count: keep) }
        var genuine: [GenuineAttempt] = []
        var impostor: [GalleryRule: [Double]] = [:]
        var cohortImpostor: [Double] = []
        for probe in probes {
            let embedding = probe.analysis.primaryFace.embedding
            let probeNeighbours = normalization == nil ? [] : cohort.nearest(toProbe: embedding, count: keep)
            for (index, gallery) in galleries.enumerated() {
                var distances: [GalleryRule: Double] = [:]
                for rule in GalleryRule.allCases {
                    distances[rule] = rule.distance(embedding, to: gallery.references, qualities: gallery.qualities)
                }
                let normalized = normalization?.score(
                    distance: distances[GalleryRule.service]!, probe: probeNeighbours, reference: galleryNeighbours[index],
                    excluding: [gallery.person, probe.person])
                if gallery.person == probe.person {
                    genuine.append(
                        .init(
                            person: probe.person, path: probe.path, analysis: probe.analysis, distances: distances,
                            cohortScore: normalized?.z))
                } else {
                    for (rule, distance) in distances { impostor[rule, default: []].append(distance) }
                    if let normalized { cohortImpostor.append(normalized.z) }
                }
            }
        }
        return GalleryEvaluation(
            references: references, enrolledPeople: galleries.count, peopleWithoutUsableReferences: withoutReferences, genuine: genuine,
            impostor: impostor, cohortImpostor: cohortImpostor, cohortMembers: normalization == nil ? 0 : cohort.count,
            failures: failures, imagesAnalysed: paths.count, seconds: seconds)
    }
}
