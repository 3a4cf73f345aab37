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
            dead person's pension; a false non-match costs a retry (docs/calibration.md).
            """)

    @Option(help: ArgumentHelp("The pair list (TSV).", valueName: "file")) var pairs: String
    @Option(help: ArgumentHelp("More impostor pairs (TSV, same columns).", valueName: "file")) var impostors: String?
    @Option(help: ArgumentHelp("The folder the pair paths are relative to.", valueName: "dir")) var root: String
    @Option(help: "The false-match rate to hold, e.g. 1e-3 or 1e-4.") var targetFmr: Double = 1e-3
    @Option(help: ArgumentHelp("Where to write the calibration file.", valueName: "file")) var out = "calibration.json"
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Embed each pair's first image (the reference, as enrolled) with the mirrored chip averaged in, the second without.")
    var mirrorReference = false
    @OptionGroup var engineOptions: EngineOptions

    func validate() throws {
        guard targetFmr > 0, targetFmr < 0.5 else { throw ValidationError("--target-fmr must be between 0 and 0.5 (e.g. 1e-3)") }
    }

    func run() async throws {
        try await reportingFailures {
            var list = try Self.read(pairs)
            if let impostors {
                let extra = try Self.read(impostors)
                guard extra.pairs.allSatisfy({ !$0.same }) else {
                    throw CommandFailure.input("\(impostors): every impostor pair must have same = 0")
                }
                list.pairs += extra.pairs
            }
            let engine = try await engineOptions.startEngine()
            let reference = mirrorReference ? try await engineOptions.startEngine(mirror: true) : nil
            let result = await PairEvaluation.run(
                list, root: URL(filePath: root), engine: engine, referenceEngine: reference,
                threshold: FaceEngineConfiguration.defaultMatchThreshold)
            let genuine = result.scored.filter(\.pair.same).map(\.distance)
            let impostor = result.scored.filter { !$0.pair.same }.map(\.distance)
            var options = [engineOptions.detector.rawValue]
            if engineOptions.mirror { options.append("mirror") }
            if engineOptions.cnnFallback { options.append("cnn-fallback") }
            if engineOptions.jitters > 1 { options.append("jitters-\(engineOptions.jitters)") }
            if mirrorReference { options.append("mirror-reference") }
            let source = ([pairs] + (impostors.map { [$0] } ?? [])).map { URL(filePath: $0).lastPathComponent }.joined(separator: " + ")
            guard
                let calibration = Calibration.choose(
                    genuine: genuine, impostor: impostor, targetFMR: targetFmr, embedding: options.joined(separator: ","),
                    source: "\(source) (\(result.failures.count) of \(result.imagesAnalysed) images without a usable face)")
            else {
                throw CommandFailure.input("no genuine and impostor pairs could both be scored")
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
            "pairs scored:        \(c.genuinePairs) genuine, \(c.impostorPairs) impostor (\(c.source))",
            "target FMR:          \(c.targetFMR)",
            "threshold:           \(String(format: "%.4f", c.matchThreshold))  (FMR within the target with 95% confidence; the service uses this)",
            "point threshold:     \(String(format: "%.4f", c.pointThreshold))  (observed FMR at the target, no margin)",
            "at the threshold:    FMR \(pct(c.fmr)) (\(c.falseMatches) of \(c.impostorPairs); 95% CI \(pct(c.fmrLower95))-\(pct(c.fmrUpper95)))",
            "                     FNMR \(pct(c.fnmr)) (\(c.falseNonMatches) of \(c.genuinePairs) turned away; 95% CI \(pct(c.fnmrLower95))-\(pct(c.fnmrUpper95)))",
        ]
        if !c.targetShown {
            lines.append(
                "warning:             \(c.impostorPairs) impostor pairs cannot show an FMR of \(c.targetFMR) with 95% confidence "
                    + "(about \(Int((3 / c.targetFMR).rounded(.up))) are needed); the threshold sits under the nearest impostor")
        }
        lines.append("written:             \(out) (fastcert serve --calibration \(out))")
        return lines.joined(separator: "\n")
    }
}
