import FaceEngine
import Foundation
import TestSupport
import Testing

/// The passive anti-spoofing models as converted to ONNX and run by the native engine.
@Suite("Passive anti-spoofing models")
struct PassiveModelTests {
    static let check = Fixtures.models.appending(path: "minifasnet-check")

    @Test("the converted graphs give the original network's outputs (the converter's float64 reference) within 1e-4")
    func convertedMatchesReference() async throws {
        let engine = try await SharedEngines.shared.engine()
        let rows = try String(contentsOf: Self.check.appending(path: "expected.tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count == 24, "twelve crops, two models")
        var worst = 0.0
        for row in rows {
            try #require(row.count == 5, "a crop, a model, three scores: \(row)")
            let crop = [UInt8](try Data(contentsOf: Self.check.appending(path: row[0])))
            let model = row[1] == "minifasnet_v2" ? 0 : 1
            let out = try await engine.passiveCrop(crop, model: model)
            for k in 0..<3 { worst = max(worst, abs(Double(out[k]) - (try #require(Double(row[2 + k]))))) }
        }
        #expect(worst < 1e-4, "largest difference \(worst)")
    }

    @Test("a face is scored when asked, the largest only; an image without a face is never scored")
    func scoredWhenAsked() async throws {
        let engine = try await SharedEngines.shared.engine()
        let photo = try Fixtures.image("obama.jpg")
        let scored = try await engine.analyzeFrame(photo, near: nil, embed: false, passive: true).get()
        let score = try #require(scored.primaryFace.passive)
        #expect((0...1).contains(score.v2) && (0...1).contains(score.v1se))
        #expect(scored.timings.passive > 0)
        let plain = try await engine.analyzeFrame(photo, near: nil, embed: false).get()
        #expect(plain.primaryFace.passive == nil && plain.timings.passive == 0)
        let noFace = try Fixtures.cropped("obama.jpg", x: 0, y: 560, width: 910, height: 577)  // suit and flag
        let blank = await engine.analyzeFrame(noFace, near: nil, embed: false, passive: true)
        guard case .failure(.noFace) = blank else {
            Issue.record("an image without a face: \(blank)")
            return
        }
        await #expect(throws: FaceEngineError.self) { _ = try await engine.passiveCrop([0, 1, 2], model: 0) }
    }
}
