import CTestImages
import FaceEngine
import Foundation

/// The test photos fetched by `Tests/Fixtures/fetch.sh`, the models fetched by `models/fetch.sh`,
/// and images derived from them in the tests themselves.
public enum Fixtures {
    public static let repository = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let images = repository.appending(path: "Tests/Fixtures/images")
    public static let models = repository.appending(path: "models")

    /// A fixture photo's path.
    public static func path(_ name: String) -> String { images.appending(path: name).path }

    /// The bytes of a fixture photo; a missing fixture says how to fetch it.
    public static func image(_ name: String) throws -> Data {
        let url = images.appending(path: name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FixtureError("missing fixture \(url.path): run scripts/setup.sh")
        }
        return data
    }

    /// Runs `body` with a new empty folder, removed afterwards.
    public static func withTemporaryFolder<T>(_ body: (URL) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await body(folder)
    }

    /// Ways to make a photo worse, for the quality checks.
    public enum Degradation: Int32, Sendable, CaseIterable {
        case dark = 0, blurred, tiny, tilted
    }

    /// The photo made darker, blurred, tiny or tilted, re-encoded as JPEG.
    public static func degraded(_ name: String, _ degradation: Degradation) throws -> Data {
        let source = try image(name)
        return try encoded { out, capacity in
            source.withUnsafeBytes {
                ctest_degrade_to_jpeg($0.bindMemory(to: UInt8.self).baseAddress, $0.count, degradation.rawValue, out, capacity)
            }
        }
    }

    /// The photo as a flat print turned (yaw) and tilted (pitch) in front of the camera and moved
    /// by (dx, dy) pixels: one homography of the original.
    public static func tiltedPrint(_ name: String, yaw: Double, pitch: Double = 0, dx: Int = 0, dy: Int = 0) throws -> Data {
        let source = try image(name)
        return try encoded { out, capacity in
            source.withUnsafeBytes {
                ctest_tilt_print_to_jpeg(
                    $0.bindMemory(to: UInt8.self).baseAddress, $0.count, yaw, pitch, Int32(dx), Int32(dy), out, capacity)
            }
        }
    }

    /// The photo shown on a phone held up to a 640x480 camera: the photo inside a black bezel,
    /// `width` pixels wide, its corner at (x, y), over a plain background.
    public static func phoneScreen(_ name: String, width: Int = 364, x: Int = 138, y: Int = 20) throws -> Data {
        let source = try image(name)
        return try encoded { out, capacity in
            source.withUnsafeBytes {
                ctest_phone_screen_to_jpeg(
                    $0.bindMemory(to: UInt8.self).baseAddress, $0.count, Int32(width), Int32(x), Int32(y), out, capacity)
            }
        }
    }

    /// The photo's head rendered turned by `yaw` degrees (an ellipsoid head with a nose, re-projected
    /// over the background): a small stand-in for a real head turn, made from the fixture itself.
    public static func turnedHead(_ source: Data, face: FaceBox, nose: Point, yaw: Double, dx: Int = 0) throws -> Data {
        return try encoded { out, capacity in
            source.withUnsafeBytes {
                ctest_turn_head_to_jpeg(
                    $0.bindMemory(to: UInt8.self).baseAddress, $0.count, nose.x, face.y + face.height / 2, face.width * 0.62,
                    nose.x, nose.y, yaw, Int32(dx), out, capacity)
            }
        }
    }

    /// A head turning through `yaws` (degrees), rendered from `name` (each frame shifted a pixel
    /// more, so no two are alike; the whole view first shifted by `shift` pixels right and down: the
    /// camera placed otherwise, another capture), as JPEG frames; the engine finds the face to turn.
    public static func headTurn(_ name: String, yaws: [Double], shift: Int = 0, engine: FaceEngine) async throws -> [Data] {
        let base = try tiltedPrint(name, yaw: 0, dx: shift, dy: shift)  // the pixels as stored, without EXIF
        let face = try await engine.analyze(base).primaryFace
        guard let nose = face.landmarks.dropFirst(4).first else { throw FixtureError("no nose tip (landmark 4) in \(name)") }
        // Rendered off the concurrency pool (a second or more of OpenCV for a long turn).
        return try await offPool {
            try yaws.enumerated().map { index, yaw in try turnedHead(base, face: face.box, nose: nose, yaw: yaw, dx: index % 3) }
        }
    }

    /// A Y4M clip (YUV 4:2:0, `fps` frames a second, `width` x `height`) of JPEG frames, each framed
    /// around `center` as a camera of that shape would see it (`zoom`: the share of the largest such
    /// view of the photo that it shows): what Chromium's fake camera plays
    /// (`--use-file-for-fake-video-capture`).
    public static func y4m(
        _ frames: [Data], center: (x: Double, y: Double), zoom: Double = 1, width: Int = 640, height: Int = 480, fps: Int
    ) throws -> Data {
        var clip = Data("YUV4MPEG2 W\(width) H\(height) F\(fps):1 Ip A1:1 C420jpeg\n".utf8)
        var buffer = [UInt8](repeating: 0, count: width * height * 3 / 2)
        for (index, frame) in frames.enumerated() {
            let count = buffer.withUnsafeMutableBufferPointer { out in
                frame.withUnsafeBytes {
                    ctest_jpeg_to_i420(
                        $0.bindMemory(to: UInt8.self).baseAddress, $0.count, center.x, center.y, zoom, Int32(width), Int32(height),
                        out.baseAddress,
                        out.count)
                }
            }
            guard count == buffer.count else { throw FixtureError("frame \(index) could not be converted to YUV") }
            clip.append(Data("FRAME\n".utf8))
            clip.append(contentsOf: buffer)
        }
        return clip
    }

    /// The photo's pixels rotated clockwise by `quarterTurns` x 90 degrees, re-encoded as JPEG
    /// without metadata.
    public static func rotated(_ name: String, quarterTurns: Int) throws -> Data {
        let source = try image(name)
        return try encoded { out, capacity in
            source.withUnsafeBytes {
                ctest_rotate_to_jpeg($0.bindMemory(to: UInt8.self).baseAddress, $0.count, Int32(quarterTurns), out, capacity)
            }
        }
    }

    /// `pasted` scaled by `scale` and laid over `base` with its corner at (x, y), cut off where it
    /// runs past the edges, re-encoded as JPEG.
    public static func pasted(_ pasted: String, onto base: String, scale: Double, x: Int, y: Int) throws -> Data {
        let under = try image(base), over = try image(pasted)
        return try encoded { out, capacity in
            under.withUnsafeBytes { u in
                over.withUnsafeBytes { o in
                    ctest_paste_to_jpeg(
                        u.bindMemory(to: UInt8.self).baseAddress, u.count, o.bindMemory(to: UInt8.self).baseAddress, o.count, scale,
                        Int32(x), Int32(y), out, capacity)
                }
            }
        }
    }

    /// The same picture encoded again as a JPEG of `quality` (1...100), without metadata.
    public static func reencoded(_ jpeg: Data, quality: Int) throws -> Data {
        try encoded { out, capacity in
            jpeg.withUnsafeBytes { ctest_reencode_jpeg($0.bindMemory(to: UInt8.self).baseAddress, $0.count, Int32(quality), out, capacity) }
        }
    }

    /// A rectangle of the photo, re-encoded as JPEG.
    public static func cropped(_ name: String, x: Int, y: Int, width: Int, height: Int) throws -> Data {
        let source = try image(name)
        return try encoded { out, capacity in
            source.withUnsafeBytes {
                ctest_crop_to_jpeg(
                    $0.bindMemory(to: UInt8.self).baseAddress, $0.count, Int32(x), Int32(y), Int32(width), Int32(height), out, capacity)
            }
        }
    }

    /// A JPEG with an EXIF APP1 segment carrying `orientation` inserted right after its SOI marker.
    public static func withExifOrientation(_ jpeg: Data, _ orientation: UInt8) -> Data {
        var tiff: [UInt8] = Array("MM".utf8) + [0x00, 0x2A, 0, 0, 0, 8]  // big-endian TIFF, IFD0 at offset 8
        tiff += [0x00, 0x01]  // one entry
        tiff += [0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, orientation, 0, 0]  // Orientation, SHORT, count 1
        tiff += [0, 0, 0, 0]  // no next IFD
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        let segment: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        var result = Data(jpeg.prefix(2))
        result.append(contentsOf: segment)
        result.append(jpeg.dropFirst(2))
        return result
    }

    /// A PNG signature and IHDR chunk declaring `width` x `height` pixels, and nothing else.
    public static func pngHeader(width: UInt32, height: UInt32) -> Data {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let ihdr: [UInt8] = Array("IHDR".utf8) + be(width) + be(height) + [8, 2, 0, 0, 0]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be(13) + ihdr + [0, 0, 0, 0] + Array(repeating: 0, count: 64))
    }

    /// A JPEG SOI, a baseline SOF0 declaring `width` x `height`, and random entropy-like bytes.
    public static func jpegHeader(width: UInt16, height: UInt16) -> Data {
        let sof: [UInt8] = [
            0xFF, 0xC0, 0x00, 0x11, 8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF),
            3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
        ]
        return Data([0xFF, 0xD8] + sof + Array(repeating: 0xAB, count: 256))
    }

    private static func encoded(_ body: (UnsafeMutablePointer<UInt8>, Int) -> Int) throws -> Data {
        var buffer = [UInt8](repeating: 0, count: 16 << 20)
        let count = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        guard count > 0 else { throw FixtureError("could not re-encode a fixture") }
        return Data(buffer.prefix(count))
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Engines shared by the tests, started once per worker count and embedding option (loading the
/// models takes a moment per worker). The start is cached as a task, so concurrent first callers
/// share it instead of each starting an engine while the actor is suspended.
///
/// They run without the CNN fallback (the service's default runs with it): every suite shares them,
/// and a photo HOG finds no face in (the tests' upside-down, junk and faceless photos) then cost
/// seconds of CNN each, which on a loaded machine queued other suites' enrollments past their
/// deadline (503). The fallback has its own tests (`CNNFallbackTests`), on engines of their own.
public actor SharedEngines {
    public static let shared = SharedEngines()
    private var starts: [String: Task<FaceEngine, any Error>] = [:]

    /// An engine with `workers` workers; `mirror`: embeddings with the mirrored chip averaged in.
    public func engine(workers: Int = 2, mirror: Bool = false) async throws -> FaceEngine {
        let name = "\(workers)\(mirror ? "-mirror" : "")"
        if let start = starts[name] { return try await start.value }
        let start = Task {
            var configuration = FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: workers)
            configuration.mirrorEmbedding = mirror
            configuration.cnnFallback = false
            return try await FaceEngine.start(configuration: configuration)
        }
        starts[name] = start
        return try await start.value
    }
}
