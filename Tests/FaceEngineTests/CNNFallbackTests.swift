import FaceEngine
import Foundation
import TestSupport
import Testing

/// Item 6 of issue 30: a still photo in which HOG finds no face is searched once more by the CNN
/// detector, by default; a video frame never is (a liveness session has other frames, and the
/// CNN's ~0.3 s a frame would be for nothing).
@Suite("CNN fallback on still photos")
struct CNNFallbackTests {
    /// Biden with three tenths of his face past the left edge: HOG finds no face, the CNN does.
    static func cutOffFace() throws -> Data {
        try Fixtures.cropped("biden.jpg", x: 529, y: 7, width: 441, height: 772)
    }

    @Test("on by default: a still HOG misses has a face; a video frame, even without a search region, does not")
    func defaultStill() async throws {
        let configuration = FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1)
        #expect(configuration.cnnFallback && configuration.embeddingOptions == "hog,cnn-fallback")
        let engine = try await FaceEngine.start(configuration: configuration)
        defer { engine.shutdown() }
        let photo = try Self.cutOffFace()
        let still = try await engine.analyze(photo)
        #expect(still.faces.count == 1 && still.primaryFace.quality.interEyePixels > 60)
        // The path enrollment, the desk and sightings take (with the passive scores).
        let scored = try await engine.analyze(photo, passive: true)
        #expect(scored.faces.count == 1 && scored.primaryFace.passive != nil)
        guard case .failure(.noFace) = await engine.analyzeFrame(photo, near: nil, embed: false) else {
            Issue.record("a video frame was searched by the CNN fallback")
            return
        }
    }

    @Test("turned off, the same still has no face")
    func turnedOff() async throws {
        var configuration = FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1)
        configuration.cnnFallback = false
        #expect(configuration.embeddingOptions == "hog")
        let engine = try await FaceEngine.start(configuration: configuration)
        defer { engine.shutdown() }
        let photo = try Self.cutOffFace()
        do throws(FaceEngineError) {
            _ = try await engine.analyze(photo)
            Issue.record("HOG alone found a face")
        } catch {
            guard case .noFace = error else {
                Issue.record("expected no face, got \(error)")
                return
            }
        }
    }
}
