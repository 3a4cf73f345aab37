import Crypto
import Foundation

/// SHA-256 and HMAC-SHA256 as a client would compute them.
enum SHA256Digest {
    static func sha256(_ data: Data) -> [UInt8] { Array(SHA256.hash(data: data)) }

    static func hmac(key: Data, message: Data) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }
}
