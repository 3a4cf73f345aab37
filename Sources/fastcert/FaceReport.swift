import FaceEngine
import Foundation

/// The JSON shape of one analysed image. Never includes the embedding (sensitive personal data).
struct FaceReport: Encodable {
    struct Face: Encodable {
        struct Box: Encodable {
            var x, y, width, height: Double
        }

        struct Quality: Encodable {
            var inter_eye_pixels, sharpness, brightness, contrast, yaw_degrees, pitch_degrees, roll_degrees: Double
        }

        var box: Box
        var score: Double
        var landmarks: [[Double]]
        var quality: Quality
        /// The passive anti-spoofing "real" probabilities (the primary face, with --passive).
        var passive: Passive?
    }

    struct Passive: Encodable {
        var real, minifasnet_v2, minifasnet_v1se: Double
    }

    struct Timings: Encodable {
        var decode_ms, detect_ms, align_ms, embed_ms, total_ms: Double
    }

    struct Failure: Encodable {
        var code: String
        var message: String
    }

    var path: String
    var format: String?
    var width: Int?
    var height: Int?
    var exif_orientation: Int?
    var faces_found: Int?
    var detection_passes: Int?
    var faces: [Face]?
    var timings: Timings?
    var error: Failure?

    init(path: String, analysis: FaceAnalysis) {
        self.path = path
        format = analysis.format.rawValue
        width = analysis.width
        height = analysis.height
        exif_orientation = analysis.exifOrientation
        faces_found = analysis.facesFound
        detection_passes = analysis.detectionPasses
        faces = analysis.faces.map { face in
            let q = face.quality
            return Face(
                box: Face.Box(x: face.box.x, y: face.box.y, width: face.box.width, height: face.box.height),
                score: face.score.rounded(places: 3),
                landmarks: face.landmarks.map { [$0.x.rounded(places: 1), $0.y.rounded(places: 1)] },
                quality: Face.Quality(
                    inter_eye_pixels: q.interEyePixels.rounded(places: 1), sharpness: q.sharpness.rounded(places: 1),
                    brightness: q.brightness.rounded(places: 1), contrast: q.contrast.rounded(places: 1),
                    yaw_degrees: q.yaw.rounded(places: 1), pitch_degrees: q.pitch.rounded(places: 1),
                    roll_degrees: q.roll.rounded(places: 1)),
                passive: face.passive.map {
                    Passive(
                        real: $0.real.rounded(places: 4), minifasnet_v2: $0.v2.rounded(places: 4),
                        minifasnet_v1se: $0.v1se.rounded(places: 4))
                })
        }
        let t = analysis.timings
        timings = Timings(
            decode_ms: t.decode.rounded(places: 2), detect_ms: t.detect.rounded(places: 2),
            align_ms: t.align.rounded(places: 2), embed_ms: t.embed.rounded(places: 2), total_ms: t.total.rounded(places: 2))
    }

    init(path: String, error: FaceEngineError) {
        self.path = path
        self.error = Failure(code: error.code, message: error.message)
    }

    /// A few human-readable lines.
    var text: String {
        if let error { return "\(path): \(error.message) [\(error.code)]" }
        var lines = [
            "\(path): \(format ?? "?") \(width ?? 0)x\(height ?? 0), orientation \(exif_orientation ?? 1), \(faces_found ?? 0) face(s), \(detection_passes ?? 0) detection pass(es)"
        ]
        for (index, face) in (faces ?? []).enumerated() {
            let q = face.quality
            lines.append(
                String(
                    format:
                        "  face %d: box %.0f,%.0f %.0fx%.0f score %.2f | eyes %.0f px, sharpness %.0f, brightness %.0f, yaw %.0f°, pitch %.0f°, roll %.0f°",
                    index + 1, face.box.x, face.box.y, face.box.width, face.box.height, face.score,
                    q.inter_eye_pixels, q.sharpness, q.brightness, q.yaw_degrees, q.pitch_degrees, q.roll_degrees)
                    + (face.passive.map {
                        String(format: " | passive real %.3f (V2 %.3f, V1SE %.3f)", $0.real, $0.minifasnet_v2, $0.minifasnet_v1se)
                    }
                        ?? ""))
        }
        if let t = timings {
            lines.append(
                String(
                    format: "  timings: decode %.1f ms, detect %.1f ms, align %.1f ms, embed %.1f ms, total %.1f ms",
                    t.decode_ms, t.detect_ms, t.align_ms, t.embed_ms, t.total_ms))
        }
        return lines.joined(separator: "\n")
    }
}

extension Double {
    func rounded(places: Int) -> Double {
        let scale = Foundation.pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
