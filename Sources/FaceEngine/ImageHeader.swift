import Foundation

/// An image's width and height read from its header alone (JPEG start-of-frame, PNG `IHDR`),
/// before anything is decoded: for pixel budgets across a request's images. nil when the bytes are
/// neither, or the header is cut short (the engine then answers for them).
///
/// The whole file is walked, however long its segments: a frame header pushed past the first
/// megabyte by padding segments is still found (the native decoder, which reads the same way,
/// would decode what it declares).
public enum ImageHeader {
    public static func dimensions(_ data: Data) -> (width: Int, height: Int)? {
        data.withUnsafeBytes { raw in dimensions(raw.bindMemory(to: UInt8.self)) }
    }

    static func dimensions(_ bytes: UnsafeBufferPointer<UInt8>) -> (width: Int, height: Int)? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            // Signature, then the IHDR chunk (always the first): length (4), "IHDR" (4), width (4), height (4).
            guard bytes.count >= 24, bytes[12...15].elementsEqual("IHDR".utf8) else { return nil }
            return (Int(be32(bytes, 16)), Int(be32(bytes, 20)))
        }
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var at = 2
        while at + 4 <= bytes.count {
            guard bytes[at] == 0xFF else { return nil }
            let marker = bytes[at + 1]
            if marker == 0xFF {  // fill byte
                at += 1
                continue
            }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) {  // no length
                at += 2
                continue
            }
            let length = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard length >= 2 else { return nil }
            // Start of frame: SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard at + 9 <= bytes.count else { return nil }
                let height = Int(bytes[at + 5]) << 8 | Int(bytes[at + 6])
                let width = Int(bytes[at + 7]) << 8 | Int(bytes[at + 8])
                return (width, height)
            }
            if marker == 0xDA || marker == 0xD9 { return nil }  // scan data or end before any frame header
            at += 2 + length
        }
        return nil
    }

    static func be32(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
