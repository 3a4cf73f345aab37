import FaceEngine
import Foundation
import TestSupport
import Testing

/// The same person matches, different people do not, whatever the file's orientation or format.
@Suite("Face matching on the fixture photos")
struct FaceMatchingTests {
    static let threshold = FaceEngineConfiguration.defaultMatchThreshold

    @Test(
        "photos of Obama match each other",
        arguments: [("obama.jpg", "obama2.jpg"), ("obama.jpg", "obama3.jpg"), ("obama2.jpg", "obama3.jpg")])
    func samePersonMatches(first: String, second: String) async throws {
        let engine = try await SharedEngines.shared.engine()
        let comparison = try await engine.compare(try Fixtures.image(first), try Fixtures.image(second), threshold: Self.threshold)
        #expect(comparison.isMatch, "distance \(comparison.distance)")
        #expect(comparison.distance < 0.5)
    }

    @Test("each Obama photo differs from Biden", arguments: ["obama.jpg", "obama2.jpg", "obama3.jpg"])
    func differentPeopleDoNotMatch(obama: String) async throws {
        let engine = try await SharedEngines.shared.engine()
        let comparison = try await engine.compare(try Fixtures.image(obama), try Fixtures.image("biden.jpg"), threshold: Self.threshold)
        #expect(!comparison.isMatch, "distance \(comparison.distance)")
        #expect(comparison.distance > 0.7)
    }

    /// Someone behind, cut off at the photo's edge, can have a larger box than the person in front:
    /// the part outside the image does not count (lfw-devtrain's pairs were scored on the wrong
    /// face this way; docs/calibration.md).
    @Test("a face cut off at the edge does not outrank the whole face in front")
    func cutOffFaceIsNotPrimary() async throws {
        let engine = try await SharedEngines.shared.engine()
        // Biden at full size with a fifth of his face past the left edge, below Obama.
        let photo = try Fixtures.pasted("biden.jpg", onto: "obama.jpg", scale: 1.0, x: -491, y: 360)
        let analysis = try await engine.analyze(photo)
        try #require(analysis.faces.count == 2)
        let front = analysis.primaryFace, behind = analysis.faces[1]
        #expect(behind.box.x < 0 && behind.box.width * behind.box.height > front.box.width * front.box.height)
        let obama = try await engine.analyze(try Fixtures.image("obama.jpg")).primaryFace.embedding
        #expect(front.embedding.distance(to: obama) < 0.3)
    }

    /// A photo is framed on its subject: a larger face beside it (under twice its size) does not
    /// take its place.
    @Test("the face the photo is framed on comes first, before a larger one beside it")
    func framedSubjectIsPrimary() async throws {
        let engine = try await SharedEngines.shared.engine()
        let obama = try await engine.analyze(try Fixtures.image("obama.jpg")).primaryFace.embedding
        // Biden whole, lower left, his face ~1.4x Obama's; Obama at the top, near the middle.
        let beside = try await engine.analyze(try Fixtures.pasted("biden.jpg", onto: "obama.jpg", scale: 1.2, x: -486, y: 423))
        try #require(beside.faces.count == 2)
        let area = { (face: DetectedFace) in face.box.width * face.box.height }
        #expect(area(beside.faces[1]) > area(beside.primaryFace) && area(beside.faces[1]) < 2 * area(beside.primaryFace))
        #expect(beside.primaryFace.embedding.distance(to: obama) < 0.3)
    }

    /// Phones store pixels sideways and say so in EXIF; the engine must turn them upright.
    @Test("an EXIF-rotated copy still finds and matches the face", arguments: [(1, UInt8(8)), (3, UInt8(6)), (2, UInt8(3))])
    func exifOrientationIsHonoured(quarterTurns: Int, orientation: UInt8) async throws {
        let engine = try await SharedEngines.shared.engine()
        let original = try await engine.analyze(try Fixtures.image("obama.jpg"))
        let sideways = try Fixtures.rotated("obama.jpg", quarterTurns: quarterTurns)

        // Without the tag the face is on its side and the frontal detector cannot find it (HOG
        // alone: the CNN fallback, which may find a face on its side, is for photos HOG misses)...
        await #expect(throws: FaceEngineError.self) { try await engine.analyze(sideways, passive: false, cnnFallback: false) }
        // ...with it, the image is turned upright first.
        let tagged = try await engine.analyze(Fixtures.withExifOrientation(sideways, orientation))
        #expect(tagged.exifOrientation == Int(orientation))
        #expect(tagged.width == original.width && tagged.height == original.height)
        let distance = tagged.primaryFace.embedding.distance(to: original.primaryFace.embedding)
        #expect(distance < 0.15, "re-encoded copy should be nearly identical, distance \(distance)")
        #expect(abs(tagged.primaryFace.box.x - original.primaryFace.box.x) < 12)
    }

    @Test("the 32-bit PNG (with alpha) is decoded and matches Obama")
    func pngWithAlpha() async throws {
        let engine = try await SharedEngines.shared.engine()
        let png = try await engine.analyze(try Fixtures.image("32bit.png"))
        #expect(png.format == .png)
        #expect(png.faces.count == 1)
        let obama = try await engine.analyze(try Fixtures.image("obama.jpg"))
        #expect(png.primaryFace.embedding.distance(to: obama.primaryFace.embedding) < Self.threshold)
    }

    @Test("quality and landmarks describe a frontal, sharp, well-lit face")
    func qualityOfAGoodPhoto() async throws {
        let engine = try await SharedEngines.shared.engine()
        let face = try await engine.analyze(try Fixtures.image("obama.jpg")).primaryFace
        #expect(face.landmarks.count == 5)
        #expect(face.quality.interEyePixels > 80 && face.quality.interEyePixels < 140)
        #expect(abs(face.quality.yaw) < 15 && abs(face.quality.roll) < 10)
        #expect(face.quality.brightness > 60 && face.quality.brightness < 200)
        #expect(face.quality.sharpness > 100)
        // Landmarks lie inside the (slightly enlarged) detection box.
        for point in face.landmarks {
            #expect(point.x > face.box.x - 20 && point.x < face.box.x + face.box.width + 20)
            #expect(point.y > face.box.y - 20 && point.y < face.box.y + face.box.height + 20)
        }
    }

    @Test("the CNN detector option finds the face and the result matches the HOG pipeline")
    func cnnDetector() async throws {
        let cnn = try await FaceEngine.start(
            configuration: FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1, detector: .cnn))
        let image = try Fixtures.image("obama.jpg")
        let viaCNN = try await cnn.analyze(image)
        let viaHOG = try await SharedEngines.shared.engine().analyze(image)
        #expect(viaCNN.faces.count == 1)
        // Different boxes, same landmarks to within a few pixels, so nearly the same embedding.
        #expect(viaCNN.primaryFace.embedding.distance(to: viaHOG.primaryFace.embedding) < 0.1)
    }

    @Test("a face too small for the first detection pass is found by a retry at a larger scale")
    func smallFaceIsFoundByRetry() async throws {
        // With the first pass on an 80-pixel copy the face is ~20 px there, far below the HOG
        // detector's 80-pixel window, so only the retries at doubled scales can find it.
        let engine = try await FaceEngine.start(
            configuration: FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1, detectionSize: 80))
        let analysis = try await engine.analyze(try Fixtures.image("obama.jpg"))
        #expect(analysis.detectionPasses > 1)
        #expect(analysis.faces.count == 1)
    }
}

/// The engine's options for accuracy on harder photos (docs/calibration.md).
@Suite("Embedding options")
struct EmbeddingOptionTests {
    @Test("a mirrored-chip embedding stays near the plain one, still matches the same man and still tells him from another")
    func mirror() async throws {
        let mirrored = try await SharedEngines.shared.engine(workers: 1, mirror: true)
        let plain = try await SharedEngines.shared.engine()
        let photo = try Fixtures.image("obama.jpg")
        let a = try await mirrored.analyze(photo).primaryFace.embedding
        let b = try await plain.analyze(photo).primaryFace.embedding
        // Not the same numbers (the mirror moved it), but the same face.
        #expect(a.distance(to: b) > 0.001 && a.distance(to: b) < 0.15)
        let same = try await mirrored.analyze(try Fixtures.image("obama2.jpg")).primaryFace.embedding
        let other = try await mirrored.analyze(try Fixtures.image("biden.jpg")).primaryFace.embedding
        #expect(a.distance(to: same) < 0.55 && a.distance(to: other) > 0.6)
    }
}
