internal import CBridge
import Foundation

/// How the pixels of a face moved between two frames: the liveness geometry. A photo or a
/// screen moved or tilted in front of the camera is a plane, so one homography explains nearly all
/// of its tracked points; a turning head shows parallax and hides parts of itself, so its tracks
/// break or disagree with any one homography.
public struct FrameMotion: Sendable, Equatable {
    /// Corners found inside the face box of the first frame.
    public var corners: Int
    /// Of those, tracked into the second frame.
    public var tracked: Int
    /// Share of the tracked points one homography explains (0 when fewer than 8 were tracked).
    public var planarShare: Double
    /// Mean absolute grey difference of the two frames at 160 px wide (0...255): near 0 is the
    /// same frame sent twice.
    public var frameDifference: Double
}

extension FaceEngine {
    /// Measures the face region's motion between two frames, on a worker thread.
    public func motion(from first: Data, to second: Data, faceBox box: FaceBox) async throws(FaceEngineError) -> FrameMotion {
        let maxPixels = UInt64(configuration.maxPixels)
        return try await onWorker { _ in Self.measureMotion(first, second, box: box, maxPixels: maxPixels) }.get()
    }

    static func measureMotion(_ first: Data, _ second: Data, box: FaceBox, maxPixels: UInt64) -> Result<FrameMotion, FaceEngineError> {
        var native = fc_motion()
        var message = [CChar](repeating: 0, count: 512)
        let rect: [Float] = [Float(box.x), Float(box.y), Float(box.width), Float(box.height)]
        let status = first.withUnsafeBytes { a in
            second.withUnsafeBytes { b in
                fc_motion_between(
                    a.baseAddress, a.count, b.baseAddress, b.count, maxPixels, rect,
                    &native, &message, message.count)
            }
        }
        guard status == FC_OK else { return .failure(NativeEngine.error(status, message: message)) }
        return .success(
            FrameMotion(
                corners: Int(native.corners), tracked: Int(native.tracked), planarShare: Double(native.planar_share),
                frameDifference: Double(native.frame_difference)))
    }
}

extension FaceEngine {
    /// True when the frame shows the edge of a screen or a print around the face (a convex
    /// four-sided outline with near-right corners, enclosing the face, 2 to 12 times its area).
    public func screenBorder(in frame: Data, around box: FaceBox) async throws(FaceEngineError) -> Bool {
        let maxPixels = UInt64(configuration.maxPixels)
        return try await onWorker { _ in
            var found: Int32 = 0
            var message = [CChar](repeating: 0, count: 512)
            let rect: [Float] = [Float(box.x), Float(box.y), Float(box.width), Float(box.height)]
            let status = frame.withUnsafeBytes {
                fc_screen_border($0.baseAddress, $0.count, maxPixels, rect, &found, &message, message.count)
            }
            return status == FC_OK ? .success(found != 0) : .failure(NativeEngine.error(status, message: message))
        }.get()
    }
}
