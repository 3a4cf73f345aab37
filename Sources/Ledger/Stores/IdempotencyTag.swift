import Foundation

/// A request's idempotency: the caller's key, their Idempotency-Key and a hash of the body.
public struct IdempotencyTag: Sendable, Equatable {
    public var keyID: String
    public var key: String
    public var requestHash: Data

    public init(keyID: String, key: String, requestHash: Data) {
        self.keyID = keyID
        self.key = key
        self.requestHash = requestHash
    }
}

/// A response stored under an idempotency key: the one piece of the HTTP layer Storage keeps (its
/// status and body, opaque here), so a repeated request gets the same answer even across restarts.
public struct StoredResponse: Sendable, Equatable {
    public var status: Int
    public var body: Data

    public init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }
}
