import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Ledger

/// Checks a caller: `Authorization: Bearer KEY` against the stored hashes, then, for signed
/// requests (always for keys created with `--require-signature`), an Ed25519 signature over
/// `METHOD\nPATH\nSHA256(body) hex\nTIMESTAMP\nNONCE` made with the key's signing secret (shown
/// once at creation; the ledger keeps only its public half, and the secret never travels), sent
/// as `X-FastCert-Signature` (hex) with `X-FastCert-Timestamp` (unix seconds) and
/// `X-FastCert-Nonce`. A timestamp outside the window or a nonce used before is refused.
struct Authenticator: Sendable {
    let keys: any CallerKeyStore
    let windowSeconds: Int

    static let timestampHeader = HTTPField.Name("X-FastCert-Timestamp")!
    static let nonceHeader = HTTPField.Name("X-FastCert-Nonce")!
    static let signatureHeader = HTTPField.Name("X-FastCert-Signature")!

    /// The caller named by the bearer key, from the headers alone: called before the body is read,
    /// so an unknown caller is refused without the service buffering a byte of what they send.
    func identify(_ request: Request) async throws -> APIKey {
        guard let header = request.headers[.authorization] else {
            throw APIError(
                .unauthenticated, "send the key as 'Authorization: Bearer <key>'",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError(
                .unauthenticated, "the Authorization header must be 'Bearer <key>'", headers: [.wwwAuthenticate: "Bearer"])
        }
        let found = try await keys.authenticate(String(parts[1]).trimmingCharacters(in: .whitespaces))
        guard let key = found else {
            throw APIError(
                .invalidKey, "the key is unknown or revoked; ask an operator for a new one",
                headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        return key
    }

    /// Whether the request must be checked with ``verifySignature(_:body:key:)`` once its body is read.
    func mustVerify(_ request: Request, key: APIKey) -> Bool {
        key.requireSignature || request.headers[Self.signatureHeader] != nil
    }

    func verifySignature(_ request: Request, body: ByteBuffer, key: APIKey) async throws {
        guard let signature = request.headers[Self.signatureHeader], let stampText = request.headers[Self.timestampHeader],
            let nonce = request.headers[Self.nonceHeader]
        else {
            throw APIError(
                .signatureRequired,
                "this key signs its requests: send X-FastCert-Timestamp, X-FastCert-Nonce and X-FastCert-Signature")
        }
        guard let stamp = Int(stampText) else {
            throw APIError(.badSignature, "X-FastCert-Timestamp must be unix seconds")
        }
        let now = Int(Date().timeIntervalSince1970)
        guard abs(now - stamp) <= windowSeconds else {
            throw APIError(
                .staleSignature,
                "the request's timestamp is more than \(windowSeconds) seconds from the server's clock; check the device's clock")
        }
        guard (8...128).contains(nonce.count), nonce.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw APIError(.badSignature, "X-FastCert-Nonce must be 8 to 128 visible ASCII characters")
        }
        guard let publicKeyBytes = key.signingPublicKey,
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKeyBytes)
        else {
            throw APIError(
                .badSignature,
                "this key has no signing secret (made before signatures were Ed25519, or not a signing key): ask an operator for a new key with --require-signature"
            )
        }
        let message = Self.message(
            method: request.method.rawValue, path: request.uri.string, body: Data(body.readableBytesView), timestamp: stampText,
            nonce: nonce)
        guard let signatureBytes = Data(hex: signature), signatureBytes.count == 64,
            publicKey.isValidSignature(signatureBytes, for: message)
        else {
            throw APIError(.badSignature, "the request signature does not match (see docs/http-api.md, 'Signed kiosk requests')")
        }
        let fresh = try await keys.useNonce(nonce, key: key.id, at: now, window: windowSeconds)
        guard fresh else { throw APIError(.replayedRequest, "this nonce was already used: a request is never replayed") }
    }

    /// The bytes a client signs.
    static func message(method: String, path: String, body: Data, timestamp: String, nonce: String) -> Data {
        let bodyHash = Data(SHA256.hash(data: body)).hexString
        return Data("\(method)\n\(path)\n\(bodyHash)\n\(timestamp)\n\(nonce)".utf8)
    }
}
