import Crypto
import Foundation

/// SHA-256 as a client would compute it.
enum SHA256Digest {
    static func sha256(_ data: Data) -> [UInt8] { Array(SHA256.hash(data: data)) }
}
