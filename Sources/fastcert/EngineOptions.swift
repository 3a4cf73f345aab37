import ArgumentParser
import FaceEngine
import Foundation

/// Options shared by every command that starts the face engine.
struct EngineOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Folder holding the dlib model files (default: $FASTCERT_MODELS, else ./models, else the checkout's models/).", valueName: "dir"
        ))
    var models: String?

    @Option(name: .long, help: "Worker threads, each with its own engine (default: one per core).")
    var workers: Int?

    @Option(name: .long, help: "Face detector: hog (fast) or cnn (more poses, slow on CPU).")
    var detector: FaceEngineConfiguration.Detector = .hog

    @Option(name: .long, help: "Longest side, in pixels, of the copy the detector scans first.")
    var detectionSize: Int = 480

    @Option(name: .long, help: "Refuse image files larger than this many bytes.")
    var maxBytes: Int = 20 << 20

    @Option(name: .long, help: "Refuse images whose header declares more pixels than this.")
    var maxPixels: Int = 50_000_000

    @Option(name: .long, help: "Enlarge the face box by this before the passive anti-spoofing crops (calibration).")
    var passiveBoxScale: Double = 1.3

    @Flag(name: .long, help: "Embed each face as the mean of its aligned chip and the chip's mirror image.")
    var mirror = false

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Search a still photo in which HOG finds no face once more with the CNN detector (never video frames).")
    var cnnFallback = true

    @Option(name: .long, help: "Embed each face as the mean of this many jittered copies of its chip (2 to 100; cost x N).")
    var jitters = 0

    /// The engine configuration these options describe.
    func configuration(defaultWorkers: Int = ProcessInfo.processInfo.activeProcessorCount, mirror forceMirror: Bool = false)
        -> FaceEngineConfiguration
    {
        var configuration = FaceEngineConfiguration(
            modelDirectory: modelDirectory(),
            workers: workers ?? defaultWorkers,
            maxBytes: maxBytes,
            maxPixels: maxPixels,
            detectionSize: detectionSize,
            detector: detector)
        configuration.passiveBoxScale = passiveBoxScale
        configuration.mirrorEmbedding = mirror || forceMirror
        configuration.cnnFallback = cnnFallback
        configuration.jitters = jitters
        return configuration
    }

    /// Starts the engine, or exits with a one-line reason: models missing (exit 5), or an option out
    /// of range (a usage error, exit 64, with the engine's message naming the option).
    func startEngine(defaultWorkers: Int = ProcessInfo.processInfo.activeProcessorCount, mirror forceMirror: Bool = false) async throws
        -> FaceEngine
    {
        do {
            return try await FaceEngine.start(configuration: configuration(defaultWorkers: defaultWorkers, mirror: forceMirror))
        } catch .badArgument(let message) {
            throw ValidationError(message)
        } catch {
            throw CommandFailure.engine(error, subject: nil)
        }
    }

    /// `--models`, then `$FASTCERT_MODELS`, then `./models`, then `models/` beside the checkout that
    /// built this executable (so `swift run` and `.build/release/fastcert` work from anywhere inside it).
    func modelDirectory() -> URL {
        if let models { return URL(filePath: models) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["FASTCERT_MODELS"], !fromEnvironment.isEmpty {
            return URL(filePath: fromEnvironment)
        }
        let marker = "dlib_face_recognition_resnet_model_v1.dat"
        let local = URL(filePath: FileManager.default.currentDirectoryPath).appending(path: "models")
        if FileManager.default.fileExists(atPath: local.appending(path: marker).path) { return local }
        var folder = URL(filePath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appending(path: "models")
            if FileManager.default.fileExists(atPath: candidate.appending(path: marker).path) { return candidate }
            folder.deleteLastPathComponent()
        }
        return local
    }
}

extension FaceEngineConfiguration.Detector: ExpressibleByArgument {}
