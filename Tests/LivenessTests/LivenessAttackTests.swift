import FaceEngine
import Foundation
import Liveness
import TestSupport
import Testing

/// Attacks generated from the real fixture photos, each refused with its reason; and the rules
/// the verdict rests on.
@Suite("Liveness")
struct LivenessAttackTests {
    static func frames(_ images: [Data], gapMs: Double = 100) -> [LivenessFrame] {
        images.enumerated().map { LivenessFrame(data: $1, capturedAtMs: Double($0) * gapMs) }
    }

    static func analyze(
        _ images: [Data], _ challenges: [LivenessChallenge] = [.turnLeft, .turnRight], policy: LivenessPolicy = LivenessPolicy()
    ) async throws -> LivenessResult {
        let engine = try await SharedEngines.shared.engine()
        return try await LivenessAnalyzer(engine: engine, policy: policy).analyze(frames(images), challenges: challenges, template: nil)
    }

    /// The policy without the passive models: the geometric checks alone.
    static var geometryOnly: LivenessPolicy {
        var policy = LivenessPolicy()
        policy.passiveFrames = 0
        return policy
    }

    static func failed(_ result: LivenessResult) -> String? { result.checks.first { !$0.passed }?.name }

    @Test("one photo sent as every frame is an attack: repeated frames")
    func repeatedPhoto() async throws {
        let photo = try Fixtures.image("obama2.jpg")
        let result = try await Self.analyze(Array(repeating: photo, count: 8))
        #expect(result.verdict == .attack && Self.failed(result) == "duplicates")
        #expect(!result.hint.contains("duplicate"), "the kiosk gets a hint, not the reason")
    }

    @Test("a print moved in the image plane is a presentation attack; without the passive models, it performs no turn and is asked to turn")
    func movedInPlane() async throws {
        let images = try await offPool { try (0..<8).map { try Fixtures.tiltedPrint("obama2.jpg", yaw: 0, dx: $0 * 9, dy: $0 * 4) } }
        let result = try await Self.analyze(images)
        #expect(result.verdict == .attack && result.attack == "presentation_attack" && Self.failed(result) == "passive")
        let geometric = try await Self.analyze(images, policy: Self.geometryOnly)
        #expect(geometric.verdict == .retry && Self.failed(geometric) == "challenges")
        #expect(geometric.hint == LivenessChallenge.turnLeft.instruction)
    }

    @Test("a print turned and tilted in front of the camera (a sequence of homographies) is refused")
    func tiltedPrint() async throws {
        let poses: [(Double, Double)] = [
            (0, 0), (0, 2), (15, 5), (35, 8), (45, 5), (15, 0), (0, 0), (-15, -5), (-35, -8), (-45, -5), (-15, 0), (0, 0),
        ]
        let images = try await offPool {
            try poses.enumerated().map { try Fixtures.tiltedPrint("obama2.jpg", yaw: $1.0, pitch: $1.1, dx: $0 * 3) }
        }
        let result = try await Self.analyze(images)
        #expect(result.verdict != .live, "\(result.checks)")
        #expect(["passive", "challenges", "structure", "one_face"].contains(Self.failed(result)))
        let geometric = try await Self.analyze(images, policy: Self.geometryOnly)
        #expect(geometric.verdict != .live && ["challenges", "structure", "one_face"].contains(Self.failed(geometric)))
    }

    @Test("frames of two people mixed are an attack: identity breaks between neighbours")
    func twoPeople() async throws {
        let images = try await offPool {
            try (0..<8).map { try Fixtures.tiltedPrint($0 % 2 == 0 ? "obama2.jpg" : "biden.jpg", yaw: 0, dx: $0 * 5) }
        }
        let result = try await Self.analyze(images)
        #expect(result.verdict == .attack && Self.failed(result) == "identity")
    }

    @Test("frames captured too fast or out of order are an attack; too few frames ask to retry")
    func pace() async throws {
        let engine = try await SharedEngines.shared.engine()
        let analyzer = LivenessAnalyzer(engine: engine)
        let images = try await offPool { try (0..<6).map { try Fixtures.tiltedPrint("obama2.jpg", yaw: 0, dx: $0 * 5) } }
        let backwards = images.enumerated().map { LivenessFrame(data: $1, capturedAtMs: Double(10 - $0) * 100) }
        let result = try await analyzer.analyze(backwards, challenges: [.turnLeft, .turnRight], template: nil)
        #expect(result.verdict == .attack && Self.failed(result) == "pace")
        let few = try await analyzer.analyze(Self.frames(Array(images.prefix(3))), challenges: [.turnLeft], template: nil)
        #expect(few.verdict == .retry && Self.failed(few) == "frames")
    }

    @Test("a flat print fits one homography between frames; a frame against itself has no difference")
    func planarMotion() async throws {
        let engine = try await SharedEngines.shared.engine()
        let photo = try Fixtures.image("obama2.jpg")
        let box = try await engine.analyze(photo).primaryFace.box
        let turned = try await engine.motion(from: photo, to: try Fixtures.tiltedPrint("obama2.jpg", yaw: 30, pitch: 10), faceBox: box)
        #expect(turned.tracked >= 30 && turned.planarShare >= 0.8, "\(turned)")
        let same = try await engine.motion(from: photo, to: photo, faceBox: box)
        #expect(same.frameDifference == 0)
    }

    @Test("challenges must come in the issued order, back to neutral between them")
    func challengeOrder() {
        let policy = LivenessPolicy()
        let scales = [Double](repeating: 1, count: 9)
        let leftThenRight = [0, 0.05, 0.22, 0.25, 0.02, -0.1, -0.24, -0.2, 0.0]
        #expect(
            LivenessAnalyzer.follow([.turnLeft, .turnRight], cues: leftThenRight, scales: scales, policy: policy)
                == .performed([(1, 3), (5, 6)]))
        #expect(
            LivenessAnalyzer.follow([.turnRight, .turnLeft], cues: leftThenRight, scales: scales, policy: policy)
                == .wrongOrder(seen: .turnLeft, expected: .turnRight))
        // Two turns without coming back to the camera between them count as one.
        let noReturn = [0, 0.05, 0.22, 0.25, 0.15, -0.1, -0.24, -0.2, -0.19]
        #expect(LivenessAnalyzer.follow([.turnLeft, .turnRight], cues: noReturn, scales: scales, policy: policy) == .missing(done: 1))
        // Moving closer first, when a turn was asked, is out of order.
        let closer = [1, 1, 1.3, 1.35, 1, 1, 1, 1, 1]
        #expect(
            LivenessAnalyzer.follow(
                [.turnLeft, .turnRight, .moveCloser], cues: [Double](repeating: 0, count: 9), scales: closer, policy: policy)
                == .wrongOrder(seen: .moveCloser, expected: .turnLeft))
    }

    @Test("sessions ask for two turns, each left or right: four sequences, never pitch or closer")
    func randomSequences() {
        var generator = SystemRandomNumberGenerator()
        var seen = Set<[LivenessChallenge]>()
        for _ in 0..<500 {
            let sequence = LivenessChallenge.randomSequence(using: &generator)
            #expect(sequence.count == 2)
            #expect(sequence.allSatisfy { $0 == .turnLeft || $0 == .turnRight })
            seen.insert(sequence)
        }
        #expect(seen.count == 4)
    }
}

/// A head turn rendered from a fixture photo (an ellipsoid head with a nose, re-projected): the
/// genuine case, small and our own.
@Suite("Liveness: a rendered head turn")
struct RenderedHeadTurnTests {
    /// Frames of the head turning through `yaws`, each shifted a pixel so no two are alike.
    static func frames(_ yaws: [Double]) async throws -> [Data] {
        let engine = try await SharedEngines.shared.engine()
        let base = try Fixtures.tiltedPrint("obama2.jpg", yaw: 0)  // the pixels as stored, without EXIF
        let face = try await engine.analyze(base).primaryFace
        let nose = try #require(face.landmarks.dropFirst(4).first, "the nose tip is landmark 4")
        return try await offPool {
            try yaws.enumerated().map { index, yaw in try Fixtures.turnedHead(base, face: face.box, nose: nose, yaw: yaw, dx: index % 3) }
        }
    }

    /// Two turns to the left. The renderer turns this fixture's head convincingly one way only: to
    /// the right its landmarks stop moving at a cue change of ~0.12, short of a turn.
    static let twiceLeft: [Double] = [0, 0, 12, 25, 32, 25, 10, 0, 0, 12, 25, 32, 25, 10, 0]

    @Test("a head turning left twice passes when asked left twice; asked right first, or left then right, it is refused")
    func genuineTurn() async throws {
        let images = try await Self.frames(Self.twiceLeft)
        let engine = try await SharedEngines.shared.engine()
        let analyzer = LivenessAnalyzer(engine: engine)
        var cues: [String] = []
        for image in images {
            if let analysis = try? await engine.analyze(image) {
                cues.append(String(format: "%+.2f", LivenessAnalyzer.yawCue(analysis.primaryFace.landmarks)))
            } else {
                cues.append("none")
            }
        }
        let frames = LivenessAttackTests.frames(images)
        let passed = try await analyzer.analyze(frames, challenges: [.turnLeft, .turnLeft], template: nil)
        #expect(passed.verdict == .live, "cues \(cues): \(passed.checks)")
        #expect(passed.checks.contains { $0.name == "structure" && $0.passed })
        // With a template: the best frontal frame's distance, and that frame's embedding (the probe
        // a cohort score is made from), agree.
        let template = [try await engine.analyze(try #require(images.first)).primaryFace.embedding]
        let matched = try await analyzer.analyze(frames, challenges: [.turnLeft, .turnLeft], template: template)
        let probe = try #require(matched.matchEmbedding)
        let distance = try #require(matched.matchDistance)
        #expect(matched.verdict == .live && distance < 0.3 && GalleryRule.service.distance(probe, to: template) == distance)
        #expect(passed.matchEmbedding == nil && passed.matchDistance == nil)
        let wrongOrder = try await analyzer.analyze(frames, challenges: [.turnRight, .turnLeft], template: nil)
        #expect(wrongOrder.verdict == .retry && LivenessAttackTests.failed(wrongOrder) == "challenges")
        #expect(wrongOrder.hint.contains(LivenessChallenge.turnRight.instruction))
        let missing = try await analyzer.analyze(frames, challenges: [.turnLeft, .turnRight], template: nil)
        #expect(missing.verdict == .retry && missing.hint.contains(LivenessChallenge.turnRight.instruction))
    }
}

/// Screens and prints the passive models are there for: a fixture photo shown on a phone.
@Suite("Liveness: a phone held up to the camera")
struct PhoneScreenTests {
    @Test("a photo shown on a phone, moved a little between frames, is a presentation attack, whatever the turns asked")
    func phoneScreen() async throws {
        let engine = try await SharedEngines.shared.engine()
        var medians: [Double] = []
        for name in ["obama2.jpg", "biden.jpg"] {
            let images = try await offPool { try (0..<8).map { try Fixtures.phoneScreen(name, x: 130 + $0 * 3, y: 16 + $0) } }
            let result = try await LivenessAnalyzer(engine: engine).analyze(
                LivenessAttackTests.frames(images), challenges: [.turnLeft, .turnRight], template: nil)
            #expect(result.verdict == .attack && result.attack == "presentation_attack", "\(name): \(result.checks)")
            medians.append(result.checks.first { $0.name == "passive" }?.score ?? 1)
        }
        #expect(medians.allSatisfy { $0 < LivenessPolicy().passiveAttackBelow }, "\(medians)")
        print("phone screen: passive medians \(medians.map { String(format: "%.3f", $0) })")
        // The same photos as frames of their own (no bezel, no screen) are not called screens.
        let plain = try await engine.analyze(try Fixtures.image("obama2.jpg"), passive: true)
        #expect((plain.primaryFace.passive?.real ?? 0) >= LivenessPolicy().passiveAttackBelow)
    }

    @Test("a person in view at the start, then a phone held up elsewhere in the frame: an attack, not a retry for the lost face")
    func phoneAfterPerson() async throws {
        // The first frames show the person (the photo alone, as a camera would), the rest a small
        // phone in the frame's other corner: a search near the first face loses it in every later
        // frame. The lost frames, searched whole, find the phone's face, and it scores as a screen.
        let person = try Fixtures.image("obama.jpg")
        let phone = try await offPool {
            try (0..<6).map { try Fixtures.phoneScreen("obama.jpg", width: 200, x: 420 + $0 * 2, y: 200 + $0) }
        }
        let result = try await LivenessAttackTests.analyze([person, person] + phone)
        #expect(result.verdict == .attack && result.attack == "presentation_attack", "\(result.checks)")
        let passive = result.checks.first { $0.name == "passive" }
        #expect(passive?.reason.contains("searched whole") == true, "\(String(describing: passive))")
        // Without the passive models the same frames are only a retry (a face lost).
        let geometric = try await LivenessAttackTests.analyze([person, person] + phone, policy: LivenessAttackTests.geometryOnly)
        #expect(geometric.verdict == .retry, "\(geometric.checks)")
    }
}
