import ArgumentParser
import FaceEngine
import Foundation

/// `fastcert face analyze IMAGE... [--workers N] [--json]`
struct FaceAnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Find the faces in photos and report their boxes, landmarks, quality and per-stage timings.",
        discussion: "Exits 0 when every image was analysed; otherwise with the code of the first failure (3 no face, 4 unreadable image).")

    @Argument(help: ArgumentHelp("Image files (JPEG or PNG).", valueName: "image"))
    var images: [String]

    @Flag(help: "Print JSON (an array, one object per image, in the order given).")
    var json = false

    @Flag(help: "Score the primary face with the passive anti-spoofing models (a screen or a print scores low).")
    var passive = false

    @OptionGroup var engineOptions: EngineOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("name at least one image") }
    }

    func run() async throws {
        try await reportingFailures {
            let engine = try await engineOptions.startEngine()
            let results = await engine.analyze(files: images.map { URL(filePath: $0) }, passive: passive)
            let reports = zip(images, results).map { path, result in
                switch result {
                case .success(let analysis): FaceReport(path: path, analysis: analysis)
                case .failure(let error): FaceReport(path: path, error: error)
                }
            }
            if json {
                try printJSON(reports)
            } else {
                reports.forEach { print($0.text) }
            }
            for case .failure(let error) in results {
                throw ExitCode(CommandFailure.engine(error, subject: nil).exitCode)
            }
        }
    }
}
