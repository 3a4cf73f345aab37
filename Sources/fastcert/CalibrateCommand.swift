import ArgumentParser
import FaceEngine
import Foundation

/// `fastcert calibrate --pairs FILE --root DIR [--impostors FILE] --target-fmr 1e-3 [--out FILE]`
struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Choose the match threshold for a target false-match rate, and write the calibration file the service reads.",
        discussion: """
            Scores every pair of --pairs (TSV: path_a, path_b, same) and of --impostors (more pairs of \
            different people, to measure small false-match rates), with the same engine options the \
            service will use. Prints, for --target-fmr, the threshold whose false-match rate is within \
            the target with 95% confidence (Clopper-Pearson; the service uses this one), the point \
            threshold without that margin, and at the chosen threshold the false-match and false-non-match \
            rates with their 95% intervals. Writes --out (default calibration.json) for `fastcert serve \
            --calibration FILE`; an explicit --match-threshold still overrides it. A false match pays a \
            dead person's pension; a false non-match costs a retry (docs/calibration.md). \
            Without --pairs, --cohort K calibrates the service's cohort rule: each attempt scored against \
            the K nearest of a sample of --cohort-people of the people (as the service scores against its \
            enrolled people); the file then holds a z-value threshold, and the distance threshold for the \
            same target, which the service uses until its cohort is as large as the one calibrated.
            """)

    @Option(help: ArgumentHelp("The pair list (TSV).", valueName: "file")) var pairs: String?
    @Option(help: ArgumentHelp("More impostor pairs (TSV, same columns).", valueName: "file")) var impostors: String?
    @Option(
        help: ArgumentHelp(
            "The folder the pair paths are relative to; without --pairs, a folder of people (one sub-folder each) enrolled with --references photos and verified with the rest, by the service's rule.",
            valueName: "dir"))
    var root: String
    @Option(help: "Without --pairs: reference photos per enrolled person (as the bureau enrolls).") var references = 1
    @Option(help: "The false-match rate to hold, e.g. 1e-3 or 1e-4.") var targetFmr: Double = 1e-3
    @Option(
        help: ArgumentHelp(
            "Also the sightings' other_face threshold: the distance beyond which at most this share of genuine pairs lies (e.g. 1e-3).",
            valueName: "rate"))
    var otherFaceFnmr: Double?
    @Option(help: ArgumentHelp("Where to write the calibration file.", valueName: "file")) var out = "calibration.json"
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var scoring: PairScoringOptions
    @OptionGroup var engineOptions: EngineOptions

    func validate() throws {
        guard targetFmr > 0, targetFmr < 0.5 else { throw ValidationError("--target-fmr must be between 0 and 0.5 (e.g. 1e-3)") }
        if let otherFaceFnmr, !(otherFaceFnmr > 0 && otherFaceFnmr < 0.5) {
            throw ValidationError("--other-face-fnmr must be between 0 and 0.5 (e.g. 1e-3)")
        }
        if otherFaceFnmr != nil, scoring.cohort != nil {
            throw ValidationError("--other-face-fnmr is a distance threshold: calibrate it without --cohort")
        }
        guard (1...10).contains(references) else { throw ValidationError("--references must be 1 to 10") }
        if pairs != nil, references != 1 { throw ValidationError("--references is for a folder of people, without --pairs") }
        if pairs == nil, impostors != nil || scoring.mirrorReference {
            throw ValidationError("--impostors and --mirror-reference go with --pairs")
        }
        if pairs != nil, scoring.cohortOptions.cohortPeople != nil {
            throw ValidationError("--cohort-people goes with --cohort, without --pairs (a cohort of enrolled people)")
        }
    }

    /// Genuine and impostor distances, what made them, and the images without a face.
    struct Scores {
        var genuine: [Double]
        var impostor: [Double]
        var source: String
        var comparison: String?
        /// Without --pairs, with --cohort: the distances the z-values were made from, and the cohort's members.
        var distances: (genuine: [Double], impostor: [Double])?
        var cohortMembers: Int?
    }

    func scorePairs(_ pairs: String) async throws -> Scores {
        var list = try Self.read(pairs)
        if let impostors {
            let extra = try Self.read(impostors)
            guard extra.pairs.allSatisfy({ !$0.same }) else {
                throw CommandFailure.input("\(impostors): every impostor pair must have same = 0")
            }
            list.pairs += extra.pairs
        }
        let engine = try await engineOptions.startEngine()
        let reference = try await scoring.referenceEngine(engineOptions)
        let result = await PairEvaluation.run(
            list, root: URL(filePath: root), engine: engine, referenceEngine: reference,
            cohort: scoring.normalization, threshold: FaceEngineConfiguration.defaultMatchThreshold)
        let source = ([pairs] + (impostors.map { [$0] } ?? [])).map { URL(filePath: $0).lastPathComponent }.joined(separator: " + ")
        return Scores(
            genuine: result.scored.filter(\.pair.same).map(\.distance), impostor: result.scored.filter { !$0.pair.same }.map(\.distance),
            source: "\(source) (\(result.failures.count) of \(result.imagesAnalysed) images without a usable face)",
            comparison: scoring.cohort.map { "pairs of photos, cohort-normalized z-values (\($0) nearest other people)" })
    }

    func scorePeople() async throws -> Scores {
        try scoring.cohortOptions.requireEnoughFolders(in: root)
        let engine = try await engineOptions.startEngine()
        let result: GalleryEvaluation
        do {
            result = try await GalleryEvaluation.run(
                root: URL(filePath: root), references: references, engine: engine, cohort: scoring.normalization,
                cohortCapacity: scoring.cohortOptions.capacity)
        } catch {
            throw CommandFailure.input("\(root): cannot read the folder (\(error.localizedDescription))")
        }
        let rule = GalleryRule.service
        let genuine = result.genuine.compactMap { $0.distances[rule] }
        let impostor = result.impostor[rule] ?? []
        let source =
            "\(URL(filePath: root).lastPathComponent): \(result.enrolledPeople) people enrolled (\(result.failures.count) of \(result.imagesAnalysed) images without a usable face)"
        let comparison = "\(rule.rawValue) of \(references) reference photo\(references == 1 ? "" : "s")"
        guard let cohort = scoring.cohort else {
            return Scores(genuine: genuine, impostor: impostor, source: source, comparison: comparison)
        }
        return Scores(
            genuine: result.genuine.compactMap(\.cohortScore), impostor: result.cohortImpostor, source: source,
            comparison: "\(comparison), cohort-normalized z-values (the \(cohort) nearest of \(result.cohortMembers) people)",
            distances: (genuine, impostor), cohortMembers: result.cohortMembers)
    }

    func run() async throws {
        try await reportingFailures {
            let scores: Scores
            if let pairs { scores = try await scorePairs(pairs) } else { scores = try await scorePeople() }
            if let members = scores.cohortMembers { try scoring.cohortOptions.requireEnough(members, in: root) }
            let options = [engineOptions.configuration().embeddingOptions] + (scoring.mirrorReference ? ["mirror-reference"] : [])
            guard
                var calibration = Calibration.choose(
                    genuine: scores.genuine, impostor: scores.impostor, targetFMR: targetFmr, embedding: options.joined(separator: ","),
                    source: scores.source)
            else {
                throw CommandFailure.input(
                    "no genuine and impostor attempts could both be scored"
                        + (pairs == nil ? "" : scoring.cohortOptions.nothingScoredHint))
            }
            calibration.comparison = scores.comparison
            if let otherFaceFnmr {
                calibration.setOtherFace(genuine: scores.genuine, impostor: scores.impostor, target: otherFaceFnmr)
            }
            calibration.cohortSize = scoring.cohort
            if let distances = scores.distances, let members = scores.cohortMembers {
                // The distance threshold the service decides by until its cohort is as large.
                guard
                    let byDistance = Calibration.choose(
                        genuine: distances.genuine, impostor: distances.impostor, targetFMR: targetFmr, embedding: "", source: "")
                else { throw CommandFailure.input("no genuine and impostor attempts could both be scored") }
                calibration.distanceThreshold = byDistance.matchThreshold
                calibration.cohortCapacity = scoring.cohortOptions.capacity
                calibration.cohortMembers = members
                calibration.cohortCeiling = scoring.normalization?.ceiling
            }
            do {
                try calibration.json().write(to: URL(filePath: out), options: .atomic)
            } catch {
                throw CommandFailure.input("\(out): cannot write the calibration file (\(error.localizedDescription))")
            }
            if json {
                FileHandle.standardOutput.write(try calibration.json())
                print()
            } else {
                print(Self.text(calibration, out: out))
            }
        }
    }

    static func read(_ path: String) throws -> PairList {
        do {
            return try PairList(tsv: try String(contentsOfFile: path, encoding: .utf8))
        } catch let error as PairListError {
            throw CommandFailure.input("\(path): \(error)")
        } catch {
            throw CommandFailure.input("\(path): cannot read the pair list (\(error.localizedDescription))")
        }
    }

    static func text(_ c: Calibration, out: String) -> String {
        func pct(_ x: Double) -> String { String(format: "%.4f", x) }
        var lines = [
            "scored:              \(c.genuinePairs) genuine, \(c.impostorPairs) impostor (\(c.source))",
            "compared:            \(c.comparison ?? "pairs of photos (one reference photo)")",
            "target FMR:          \(c.targetFMR)",
            "threshold:           \(String(format: "%.4f", c.matchThreshold))  (FMR within the target with 95% confidence; the service uses this)",
            "point threshold:     \(String(format: "%.4f", c.pointThreshold))  (observed FMR at the target, no margin)"
                + (c.pointFNMR.map { ": FNMR \(pct($0))" } ?? ""),
            "at the threshold:    FMR \(pct(c.fmr)) (\(c.falseMatches) of \(c.impostorPairs); 95% CI \(pct(c.fmrLower95))-\(pct(c.fmrUpper95)))",
            "                     FNMR \(pct(c.fnmr)) (\(c.falseNonMatches) of \(c.genuinePairs) turned away; 95% CI \(pct(c.fnmrLower95))-\(pct(c.fnmrUpper95)))",
        ]
        if let distance = c.distanceThreshold, let members = c.cohortMembers {
            lines.insert(
                "distance threshold:  \(String(format: "%.4f", distance))  (the same target by distance: the service's rule while its cohort has fewer than \(members) people)",
                at: 5)
        }
        if let other = c.otherFaceThreshold, let target = c.otherFaceTarget, let genuine = c.otherFaceGenuine,
            let impostors = c.otherFaceImpostors
        {
            lines.append(
                "other_face:          \(String(format: "%.4f", other))  (at most \(target) of genuine pairs beyond it: "
                    + "\(genuine) of \(c.genuinePairs), \(pct(Double(genuine) / Double(c.genuinePairs))); impostors beyond it "
                    + "\(impostors) of \(c.impostorPairs), \(pct(Double(impostors) / Double(c.impostorPairs))))")
        }
        if !c.targetShown {
            lines.append(
                "warning:             \(c.impostorPairs) impostor pairs cannot show an FMR of \(c.targetFMR) with 95% confidence "
                    + "(about \(Int((3 / c.targetFMR).rounded(.up))) are needed); the threshold sits under the nearest impostor")
        }
        lines.append("written:             \(out) (fastcert serve --calibration \(out))")
        return lines.joined(separator: "\n")
    }
}
