import ArgumentParser
import FaceEngine
import Foundation

/// `fastcert face compare IMAGE_A IMAGE_B [--threshold T] [--json]`
struct FaceCompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare the primary face (the one each photo is framed on) in two photos: distance, threshold and match.",
        discussion: "Exits 0 whether or not the faces match; 3 when an image has no face, 4 when one cannot be read.")

    @Argument(help: ArgumentHelp("The first photo.", valueName: "image-a"))
    var imageA: String

    @Argument(help: ArgumentHelp("The second photo.", valueName: "image-b"))
    var imageB: String

    @Option(help: "Match when the distance is at most this (default: the calibrated threshold).")
    var threshold: Double = FaceEngineConfiguration.defaultMatchThreshold

    @Flag(help: "Print JSON: distance, threshold, match, and per-image details.")
    var json = false

    @OptionGroup var engineOptions: EngineOptions

    func validate() throws {
        guard threshold > 0, threshold < 4 else { throw ValidationError("--threshold must be between 0 and 4") }
    }

    struct Output: Encodable {
        var distance: Double
        var threshold: Double
        var match: Bool
        var images: [FaceReport]
    }

    func run() async throws {
        try await reportingFailures {
            let engine = try await engineOptions.startEngine(defaultWorkers: 2)
            // Both at once, on the engine's batch path; a failure names its file.
            let paths = [imageA, imageB]
            let analyses = try zip(paths, await engine.analyze(files: paths.map { URL(filePath: $0) })).map { path, result in
                do throws(FaceEngineError) { return try result.get() } catch { throw CommandFailure.engine(error, subject: path) }
            }
            let (a, b) = (analyses[0], analyses[1])
            let comparison = FaceComparison(first: a, second: b, threshold: threshold)
            if json {
                try printJSON(
                    Output(
                        distance: comparison.distance.rounded(places: 4), threshold: threshold, match: comparison.isMatch,
                        images: [FaceReport(path: imageA, analysis: a), FaceReport(path: imageB, analysis: b)]))
            } else {
                print(
                    String(
                        format: "%@: distance %.4f, threshold %.2f", comparison.isMatch ? "match" : "no match",
                        comparison.distance, threshold))
            }
        }
    }
}
