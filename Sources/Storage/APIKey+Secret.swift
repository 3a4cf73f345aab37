import Crypto
import Foundation
import Ledger

extension APIKey {
    /// Splits a presented key (`fc_0123456789abcdef.SECRET`) into its id and secret.
    static func parse(_ presented: String) -> (id: String, secret: String)? {
        let parts = presented.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, parts[0].hasPrefix("fc_"), parts[0].count == 19, !parts[1].isEmpty, parts[1].count <= 128 else {
            return nil
        }
        return (String(parts[0]), String(parts[1]))
    }

    static func hash(_ secret: String) -> Data { Data(SHA256.hash(data: Data(secret.utf8))) }

    /// A new random key: its id and the full text to hand over once.
    static func generate() -> (id: String, secret: String, text: String) {
        var generator = SystemRandomNumberGenerator()
        let id = "fc_" + Data.randomHex(bytes: 8)
        let secretBytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret = Data(secretBytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return (id, secret, "\(id).\(secret)")
    }
}
