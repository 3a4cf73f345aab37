import FaceEngine
import Foundation
import Liveness
import TestSupport
import Testing

/// APCER per generated attack type: every kind of attack the tests can render, made from each
/// fixture photo of one person, judged against the turns the frames themselves perform (the
/// attacker's best case: a recording performs whatever it recorded). The table it prints backs
/// the figures of docs/liveness.md ("Honest limits").
@Suite("Liveness: generated attacks, per type")
struct GeneratedAttackTests {
    static let photos = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"]

    static let tiltPoses: [(Double, Double)] = [
        (0, 0), (0, 2), (15, 5), (35, 8), (45, 5), (15, 0), (0, 0), (-15, -5), (-35, -8), (-45, -5), (-15, 0), (0, 0),
    ]

    /// The attack types and how each renders its frames from a photo.
    static let attacks: [(name: String, render: @Sendable (String) throws -> [Data])] = [
        ("phone screen, moved", { name in try (0..<8).map { try Fixtures.phoneScreen(name, x: 130 + $0 * 3, y: 16 + $0) } }),
        (
            "person, then a phone elsewhere",
            { name in
                let person = try Fixtures.tiltedPrint(name, yaw: 0)
                return try [person, person] + (0..<6).map { try Fixtures.phoneScreen(name, width: 200, x: 420 + $0 * 2, y: 200 + $0) }
            }
        ),
        ("print moved in plane", { name in try (0..<8).map { try Fixtures.tiltedPrint(name, yaw: 0, dx: $0 * 9, dy: $0 * 4) } }),
        (
            "print turned and tilted",
            { name in try tiltPoses.enumerated().map { try Fixtures.tiltedPrint(name, yaw: $1.0, pitch: $1.1, dx: $0 * 3) } }
        ),
        ("one photo repeated", { name in Array(repeating: try Fixtures.image(name), count: 8) }),
    ]

    @Test("no generated attack is judged live, whatever turns it performs; APCER and the share named a presentation attack, per type")
    func apcerPerType() async throws {
        let engine = try await SharedEngines.shared.engine()
        let analyzer = LivenessAnalyzer(engine: engine)
        var table: [String] = ["attack type\tsequences\tjudged live\tAPCER\tpresentation_attack\tother attack\tretry"]
        for attack in Self.attacks {
            var verdicts: [LivenessResult] = []
            for photo in Self.photos {
                let frames = LivenessAttackTests.frames(try await offPool { try attack.render(photo) })
                let performed = await analyzer.performedTurns(frames)
                let result = try await analyzer.analyze(frames, challenges: performed.isEmpty ? [.turnLeft] : performed, template: nil)
                #expect(result.verdict != .live, "\(attack.name), \(photo): \(result.checks)")
                verdicts.append(result)
            }
            let live = verdicts.filter { $0.verdict == .live }.count
            let presentation = verdicts.filter { $0.attack == "presentation_attack" }.count
            let otherAttack = verdicts.filter { $0.verdict == .attack && $0.attack != "presentation_attack" }.count
            let retry = verdicts.filter { $0.verdict == .retry }.count
            table.append(
                "\(attack.name)\t\(verdicts.count)\t\(live)\t\(String(format: "%.2f", Double(live) / Double(verdicts.count)))\t\(presentation)\t\(otherAttack)\t\(retry)"
            )
        }
        print(table.joined(separator: "\n"))
    }
}
