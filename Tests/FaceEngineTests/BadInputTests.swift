import FaceEngine
import Foundation
import TestSupport
import Testing

/// Hostile and broken uploads each get their own specific error, quickly, and never crash.
@Suite("Bad input")
struct BadInputTests {
    enum Expected: String, Sendable { case undecodable, unsupported, tooLarge, noFace }

    static func matches(_ error: FaceEngineError, _ expected: Expected) -> Bool {
        switch (error, expected) {
        case (.undecodableImage, .undecodable), (.unsupportedFormat, .unsupported), (.imageTooLarge, .tooLarge), (.noFace, .noFace): true
        default: false
        }
    }

    static let cases: [(String, Expected, String)] = [
        ("truncated JPEG", .undecodable, "truncated"),
        ("JPEG cut inside its headers", .undecodable, "frame header"),
        ("random bytes", .unsupported, "not a JPEG or PNG"),
        ("empty file", .unsupported, "empty"),
        ("GIF", .unsupported, "GIF"),
        ("PNG header declaring 100000 x 100000", .tooLarge, "100000x100000"),
        ("JPEG header declaring 65000 x 65000", .tooLarge, "65000x65000"),
        ("truncated PNG", .undecodable, "PNG"),
        ("photo without a face", .noFace, "no face"),
    ]

    static func bytes(for name: String) throws -> Data {
        switch name {
        case "truncated JPEG":
            let jpeg = try Fixtures.image("obama.jpg")
            return jpeg.prefix(jpeg.count / 2)
        case "JPEG cut inside its headers": return try Fixtures.image("obama.jpg").prefix(40)
        case "random bytes":
            // A leading zero byte so no run can start with a real signature by chance.
            return Data([0]) + Data((0..<50_000).map { _ in UInt8.random(in: 0...255) })
        case "empty file": return Data()
        case "GIF": return Data("GIF89a".utf8) + Data(repeating: 0, count: 100)
        case "PNG header declaring 100000 x 100000": return Fixtures.pngHeader(width: 100_000, height: 100_000)
        case "JPEG header declaring 65000 x 65000": return Fixtures.jpegHeader(width: 65000, height: 65000)
        case "truncated PNG":
            let png = try Fixtures.image("32bit.png")
            return png.prefix(png.count / 3)
        case "photo without a face":
            // The lower part of obama.jpg: suit and flag, no face.
            return try Fixtures.cropped("obama.jpg", x: 0, y: 560, width: 910, height: 577)
        default: throw FixtureError("unknown case \(name)")
        }
    }

    @Test("each kind of bad upload gets its own error", arguments: cases)
    func specificError(name: String, expected: Expected, mentions: String) async throws {
        let engine = try await SharedEngines.shared.engine(workers: 1)
        let data = try Self.bytes(for: name)
        do {
            let analysis = try await engine.analyze(data)
            Issue.record("\(name) was accepted: \(analysis.faces.count) face(s)")
        } catch {
            #expect(Self.matches(error, expected), "\(name): got \(error)")
            #expect(error.message.localizedCaseInsensitiveContains(mentions), "\(name): message '\(error.message)'")
        }
        // The size refusals come from the header alone: decoding 100000 x 100000 pixels would need
        // 30 GB and fail otherwise (or not at all), never as image_too_large naming the size (the
        // message checked above). No wall-clock bound: it would measure the machine, not the engine.
    }

    @Test(
        "caps on bytes and on declared pixels refuse obama.jpg (290 kB, 910 x 1137) before decoding",
        arguments: [
            (FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1, maxBytes: 10_000), "10000"),
            (FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1, maxPixels: 500_000), "910x1137"),
        ])
    func caps(configuration: FaceEngineConfiguration, mentions: String) async throws {
        let engine = try await FaceEngine.start(configuration: configuration)
        let image = try Fixtures.image("obama.jpg")
        do {
            _ = try await engine.analyze(image)
            Issue.record("accepted an image over a cap")
        } catch {
            guard case .imageTooLarge(let message) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(message.contains(mentions))
        }
    }

    @Test("a model folder without the passive anti-spoofing models, or with a broken one, fails to start with the reason")
    func missingPassiveModels() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            for name in [
                "shape_predictor_5_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat", "mmod_human_face_detector.dat",
            ] {
                try FileManager.default.createSymbolicLink(
                    at: folder.appending(path: name), withDestinationURL: Fixtures.models.appending(path: name))
            }
            func failure() async -> String? {
                do throws(FaceEngineError) {
                    _ = try await FaceEngine.start(configuration: FaceEngineConfiguration(modelDirectory: folder, workers: 1))
                    return nil
                } catch {
                    guard case .modelLoadFailure(let message) = error else { return "\(error)" }
                    return message
                }
            }
            #expect(await failure()?.contains("minifasnet_v2.onnx is missing") == true)
            try Data("not a graph".utf8).write(to: folder.appending(path: "minifasnet_v2.onnx"))
            #expect(await failure()?.contains("is not an ONNX graph OpenCV can run") == true)
        }
    }

    @Test(
        "a model folder that is empty, or holds files that are not models, fails to start with the reason",
        arguments: [
            ([String](), "shape_predictor_5_face_landmarks.dat is missing"),
            (["shape_predictor_5_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat"], "not a valid dlib model"),
        ])
    func brokenModels(files: [String], mentions: String) async throws {
        try await Fixtures.withTemporaryFolder { folder in
            for name in files { try Data("not a model".utf8).write(to: folder.appending(path: name)) }
            do throws(FaceEngineError) {
                _ = try await FaceEngine.start(configuration: FaceEngineConfiguration(modelDirectory: folder, workers: 2))
                Issue.record("started without usable models")
            } catch {
                guard case .modelLoadFailure(let message) = error else {
                    Issue.record("got \(error)")
                    return
                }
                #expect(message.contains(mentions))
            }
        }
    }

    @Test(
        "configuration mistakes are refused with the option's name",
        arguments: [
            (FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 0), "workers"),
            (FaceEngineConfiguration(modelDirectory: Fixtures.models, detectionSize: 10), "detection size"),
        ])
    func badConfiguration(configuration: FaceEngineConfiguration, mentions: String) async throws {
        do {
            _ = try await FaceEngine.start(configuration: configuration)
            Issue.record("accepted a bad configuration")
        } catch {
            #expect(error.code == "bad_argument")
            #expect(error.message.contains(mentions))
        }
    }
}

/// Damaged copies of a real photo: whatever the damage, the engine answers (a face, or a specific
/// error) and never crashes or hangs.
@Suite("Damaged photos")
struct DamagedPhotoTests {
    /// Deterministic damage: `seed` picks where and how many bytes to overwrite after the headers.
    static func damaged(_ jpeg: Data, seed: UInt64) -> Data {
        var bytes = [UInt8](jpeg)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        for _ in 0..<(1 + Int(next() % 40)) {
            let at = 600 + Int(next() % UInt64(bytes.count - 600))
            bytes[at] = UInt8(truncatingIfNeeded: next())
        }
        return Data(bytes)
    }

    @Test("damaged JPEG data gives a face or a specific error", arguments: 0..<24)
    func damagedJPEG(seed: Int) async throws {
        let engine = try await SharedEngines.shared.engine()
        let data = Self.damaged(try Fixtures.image("obama.jpg"), seed: UInt64(seed) + 1)
        do {
            let analysis = try await engine.analyze(data)
            #expect(!analysis.faces.isEmpty)
        } catch {
            #expect(["undecodable_image", "no_face"].contains(error.code), "\(error)")
        }
    }
}
