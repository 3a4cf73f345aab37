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

    @OptionGroup var engineOptions: EngineOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("name at least one image") }
    }

    func run() async throws {
        try await reportingFailures {
            let engine = try await engineOptions.startEngine()
            let reports = await withTaskGroup(of: (Int, FaceReport).self) { group in
                for (index, path) in images.enumerated() {
                    group.addTask {
                        do throws(FaceEngineError) {
                            return (index, FaceReport(path: path, analysis: try await engine.analyze(contentsOf: URL(filePath: path))))
                        } catch {
                            return (index, FaceReport(path: path, error: error))
                        }
                    }
                }
                var reports = [FaceReport?](repeating: nil, count: images.count)
                for await (index, report) in group { reports[index] = report }
                return reports.compactMap { $0 }
            }
            if json {
                try printJSON(reports)
            } else {
                reports.forEach { print($0.text) }
            }
            if let failed = reports.first(where: { $0.error != nil }) {
                let code = failed.error!.code
                throw ExitCode(code == "no_face" ? 3 : code == "model_load_failure" ? 5 : 4)
            }
        }
    }
}
