import ArgumentParser
import FaceEngine
import Foundation
import Liveness

/// `fastcert liveness analyze|eval`: the multi-frame liveness analysis on files.
struct LivenessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liveness",
        abstract: "Run the liveness analysis on captured frames, or measure it over labelled sequences.",
        subcommands: [Analyze.self, Eval.self, Border.self])

    /// Frames of a folder (`*.jpg`/`*.png`, in name order), at most `limit`, evenly sampled.
    static func frames(in folder: URL, limit: Int, intervalMs: Double) throws -> [LivenessFrame] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".png") }.sorted()
        let step = max(1, Int((Double(names.count) / Double(limit)).rounded(.up)))
        return try stride(from: 0, to: names.count, by: step).map { index in
            LivenessFrame(data: try Data(contentsOf: folder.appending(path: names[index])), capturedAtMs: Double(index) * intervalMs)
        }
    }

    struct Analyze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Analyse one capture: a folder of frames (name order), against the given challenges.")
        @Argument(help: "A folder of frames.") var folder: String
        @Option(help: "Challenges in order, comma-separated (turn_left, turn_right, move_closer); default: the turns the frames show.")
        var challenges: String?
        @Option(help: "Milliseconds between frames.") var intervalMs: Double = 100
        @Option(help: "Frames to use at most (evenly sampled).") var maxFrames: Int = 30
        @OptionGroup var engineOptions: EngineOptions

        func run() async throws {
            let engine = try await engineOptions.startEngine()
            let policy = LivenessPolicy()
            let frames = try LivenessCommand.frames(in: URL(filePath: folder), limit: maxFrames, intervalMs: intervalMs)
            var asked: [LivenessChallenge]
            if let challenges {
                asked = try challenges.split(separator: ",").map {
                    guard let challenge = LivenessChallenge(rawValue: String($0)) else { throw ValidationError("unknown challenge \($0)") }
                    return challenge
                }
            } else {
                let performed = await LivenessAnalyzer(engine: engine, policy: policy).performedTurns(frames)
                asked = performed.isEmpty ? [.turnLeft] : performed
            }
            for (index, frame) in frames.enumerated() {
                // A video frame: never the CNN fallback (as the analyzer's own frames).
                if let analysis = try? await engine.analyze(frame.data, passive: false, cnnFallback: false) {
                    let face = analysis.primaryFace
                    print(
                        String(
                            format: "frame %2d  cue %+.3f  eyes %6.1f px  faces %d", index + 1, LivenessAnalyzer.yawCue(face.landmarks),
                            face.quality.interEyePixels, analysis.facesFound))
                } else {
                    print(String(format: "frame %2d  no face", index + 1))
                }
            }
            let result = try await LivenessAnalyzer(engine: engine, policy: policy).analyze(frames, challenges: asked, template: nil)
            print("challenges: \(asked.map(\.rawValue).joined(separator: ", "))")
            for check in result.checks { print("  \(check.passed ? "pass" : "FAIL") \(check.name): \(check.reason)") }
            print("verdict: \(result.verdict.rawValue) (\(String(format: "%.0f", result.milliseconds)) ms); hint: \(result.hint)")
        }
    }

    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "APCER per attack type and BPCER over labelled sequences.",
            discussion: """
                ROOT holds one folder of frames per sequence and a labels file (SOURCES.tsv with columns folder and label,
                label 'live' or an attack type). Each sequence is judged against the turns it performs (the best case for a
                replayed video, which performs whatever it recorded): so this measures the geometric checks, not the
                random challenge order.
                """)
        @Option(help: "The folder of sequences.") var root: String
        @Option(help: "Labels file, relative to ROOT.") var labels: String = "SOURCES.tsv"
        @Option(help: "Milliseconds between frames.") var intervalMs: Double = 100
        @Option(help: "Frames a sequence at most (evenly sampled).") var maxFrames: Int = 15
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var engineOptions: EngineOptions

        func run() async throws {
            let engine = try await engineOptions.startEngine()
            let policy = LivenessPolicy()
            let rootURL = URL(filePath: root)
            let text = try String(contentsOf: rootURL.appending(path: labels), encoding: .utf8)
            var rows = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            let header = rows.removeFirst()
            guard let folderColumn = header.firstIndex(of: "folder"), let labelColumn = header.firstIndex(of: "label") else {
                throw ValidationError("the labels file needs the columns folder and label")
            }
            var outcomes: [String: (total: Int, accepted: Int, turning: Int, turningAccepted: Int)] = [:]
            var lines: [[String: String]] = []
            for row in rows where row.count > max(folderColumn, labelColumn) {
                let frames = try LivenessCommand.frames(
                    in: rootURL.appending(path: row[folderColumn]), limit: maxFrames, intervalMs: intervalMs)
                // A sequence that performs no turn is asked for one (it cannot pass, and is reported so).
                let performed = await LivenessAnalyzer(engine: engine, policy: policy).performedTurns(frames)
                let asked = performed.isEmpty ? [LivenessChallenge.turnLeft] : performed
                let result: LivenessResult
                do {
                    result = try await LivenessAnalyzer(engine: engine, policy: policy).analyze(frames, challenges: asked, template: nil)
                } catch {
                    throw CommandFailure.engine(error, subject: row[folderColumn])
                }
                let label = row[labelColumn]
                outcomes[label, default: (0, 0, 0, 0)].total += 1
                if result.verdict == .live { outcomes[label, default: (0, 0, 0, 0)].accepted += 1 }
                if !performed.isEmpty {
                    outcomes[label, default: (0, 0, 0, 0)].turning += 1
                    if result.verdict == .live { outcomes[label, default: (0, 0, 0, 0)].turningAccepted += 1 }
                }
                let failed = result.checks.first { !$0.passed }
                // The passive models' median over the scored frames, whatever decided.
                let passive = result.checks.first { $0.name == "passive" }?.score.map { String(format: "%.3f", $0) } ?? "-"
                lines.append([
                    "passive_median": passive,
                    "sequence": row[folderColumn], "label": label, "verdict": result.verdict.rawValue, "frames": "\(frames.count)",
                    "challenges": asked.map(\.rawValue).joined(separator: ","), "performs_a_turn": performed.isEmpty ? "no" : "yes",
                    "failed_check": failed.map { "\($0.name): \($0.reason)" } ?? "",
                    "ms": String(format: "%.0f", result.milliseconds),
                ])
                if !json {
                    print(
                        "\(row[folderColumn])\t\(label)\t\(result.verdict.rawValue)\t\(frames.count) frames\t\(String(format: "%.0f", result.milliseconds)) ms\tpassive \(passive)\t\(performed.isEmpty ? "performs no turn (asked turn_left)\t" : "")\(failed.map { "\($0.name): \($0.reason)" } ?? "all checks passed")"
                    )
                }
            }
            if json {
                try printJSON(lines)
                return
            }
            for (label, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
                let share = Double(outcome.accepted) / Double(outcome.total)
                let rate = label == "live" ? "BPCER \(String(format: "%.2f", 1 - share))" : "APCER \(String(format: "%.2f", share))"
                // BPCER also over the live sequences that perform a turn (a clip that never turns cannot pass a challenge).
                let turning =
                    label == "live" && outcome.turning < outcome.total && outcome.turning > 0
                    ? String(
                        format: " (%.2f over the %d that perform a turn)", 1 - Double(outcome.turningAccepted) / Double(outcome.turning),
                        outcome.turning) : ""
                print("\(label): \(outcome.total) sequences, \(outcome.accepted) judged live: \(rate)\(turning)")
            }
        }
    }
}

extension LivenessCommand {
    /// `fastcert liveness border IMAGE...`: which frames show a screen or print edge around the face.
    struct Border: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report, per image, whether a screen or print edge encloses the face.")
        @Argument(help: "Images.") var images: [String]
        @OptionGroup var engineOptions: EngineOptions

        func run() async throws {
            let engine = try await engineOptions.startEngine()
            var counts = (faces: 0, borders: 0)
            for path in images {
                guard let data = FileManager.default.contents(atPath: path), let analysis = try? await engine.analyze(data) else {
                    continue
                }
                counts.faces += 1
                if (try? await engine.screenBorder(in: data, around: analysis.primaryFace.box)) == true {
                    counts.borders += 1
                    print("border\t\(path)")
                }
            }
            print("\(counts.borders) of \(counts.faces) images with a face show a border around it")
        }
    }
}
