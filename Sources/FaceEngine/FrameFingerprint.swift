internal import CBridge
import Foundation

/// What a frame shows, for recognising it when it is sent again: the liveness replay check compares
/// pictures, not files, so bytes appended after the image, changed metadata or a re-encoding do
/// not make an earlier capture new (docs/liveness.md, "Replays").
public struct FrameFingerprint: Sendable, Equatable, Hashable {
    /// The 256-bit difference hash of the grey image (17x16 cells; see `fc_fingerprint`): a
    /// re-encoded copy lies within a few bits of its original.
    public var differenceHash: Data
    /// A digest of the decoded grey pixels and their size: equal for files that decode to the same
    /// picture.
    public var pixelDigest: Data

    public init(differenceHash: Data, pixelDigest: Data) {
        self.differenceHash = differenceHash
        self.pixelDigest = pixelDigest
    }

    /// A frame that shows nothing to recognise (all black while the exposure settles, blown out
    /// white): its difference hash has almost no bit set, and its decoded pixels are the same on
    /// every camera. Such frames are left out of the replay check, or a living person's first dark
    /// frame would match someone else's.
    public var isFeatureless: Bool { Self.isFeatureless(differenceHash) }

    public static func isFeatureless(_ differenceHash: Data) -> Bool {
        differenceHash.reduce(0) { $0 + $1.nonzeroBitCount } < 8
    }

    /// Bits in which two difference hashes differ (their Hamming distance); 256 (all) when the
    /// hashes are not of the same length.
    public static func distance(_ a: Data, _ b: Data) -> Int {
        guard a.count == b.count else { return 8 * max(a.count, b.count, 32) }
        return zip(a, b).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
    }
}

extension FaceEngine {
    /// Decodes a frame and fingerprints what it shows, on a worker thread (~1 ms for 640x480). Fails
    /// as an analysis would for a file that cannot be decoded.
    public func fingerprint(_ frame: Data) async -> Result<FrameFingerprint, FaceEngineError> {
        let maxPixels = UInt64(configuration.maxPixels)
        return await onWorker { _ in Self.fingerprint(frame, maxPixels: maxPixels) }
    }

    static func fingerprint(_ frame: Data, maxPixels: UInt64) -> Result<FrameFingerprint, FaceEngineError> {
        var native = fc_fingerprint()
        var message = [CChar](repeating: 0, count: 512)
        let status = frame.withUnsafeBytes { fc_frame_fingerprint($0.baseAddress, $0.count, maxPixels, &native, &message, message.count) }
        guard status == FC_OK else { return .failure(NativeEngine.error(status, message: message)) }
        return .success(
            FrameFingerprint(
                differenceHash: withUnsafeBytes(of: native.difference_hash) { Data($0) },
                pixelDigest: withUnsafeBytes(of: native.pixel_digest) { Data($0) }))
    }
}
