import FaceEngine
import Foundation
import TestSupport
import Testing

/// A frame's content fingerprint (the liveness replay check): the same picture in other bytes keeps
/// it, a re-encoding moves it a few bits, another picture is far away.
@Suite("Frame fingerprints")
struct FrameFingerprintTests {
    static func fingerprint(_ image: Data) async throws -> FrameFingerprint {
        try await SharedEngines.shared.engine().fingerprint(image).get()
    }

    @Test("bytes appended and an EXIF segment keep the picture's digest and hash; re-encodings stay within 4 bits; other photos are far")
    func sameContent() async throws {
        for name in ["obama.jpg", "obama2.jpg", "biden.jpg"] {
            let stored = try Fixtures.tiltedPrint(name, yaw: 0)  // the stored pixels, re-encoded without EXIF
            let print = try await Self.fingerprint(stored)
            #expect(print.differenceHash.count == 32 && print.pixelDigest.count == 16)
            #expect(try await Self.fingerprint(stored + Data("appended".utf8)) == print, "\(name): bytes appended")
            #expect(try await Self.fingerprint(Fixtures.withExifOrientation(stored, 1)) == print, "\(name): an EXIF segment added")
            for quality in [90, 75] {
                let reencoded = try await Self.fingerprint(try Fixtures.reencoded(stored, quality: quality))
                let distance = FrameFingerprint.distance(reencoded.differenceHash, print.differenceHash)
                #expect(distance <= 4 && reencoded.pixelDigest != print.pixelDigest, "\(name) at quality \(quality): \(distance) bits")
            }
        }
        let a = try await Self.fingerprint(try Fixtures.image("obama.jpg"))
        let b = try await Self.fingerprint(try Fixtures.image("obama2.jpg"))
        #expect(FrameFingerprint.distance(a.differenceHash, b.differenceHash) > 40 && a.pixelDigest != b.pixelDigest)
    }

    @Test("a file that cannot be decoded fails as an analysis does")
    func undecodable() async throws {
        let engine = try await SharedEngines.shared.engine()
        let truncated = try Fixtures.image("obama.jpg").prefix(2_000)
        guard case .failure(let error) = await engine.fingerprint(Data(truncated)) else {
            Issue.record("a truncated JPEG was fingerprinted")
            return
        }
        #expect(BadInputTests.matches(error, .undecodable), "\(error)")
        guard case .failure(let empty) = await engine.fingerprint(Data()) else {
            Issue.record("an empty file was fingerprinted")
            return
        }
        #expect(BadInputTests.matches(empty, .unsupported))
    }
}
