import Foundation

extension Data {
    /// Lower-case hexadecimal, two digits a byte.
    public var hexString: String { map { String(format: "%02x", $0) }.joined() }

    /// `count` random bytes from the system's generator, as hexadecimal (identifiers, nonces).
    public static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }).hexString
    }

    /// Bytes from hexadecimal text; nil for an odd length or a non-hex digit.
    public init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
