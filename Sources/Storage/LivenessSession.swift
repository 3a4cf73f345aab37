import Foundation
import Ledger

/// How many liveness sessions one device may ask for: in any minute, and unused at once.
public struct LivenessSessionLimits: Sendable, Equatable {
    public var perMinute: Int
    public var open: Int

    public init(perMinute: Int, open: Int) {
        self.perMinute = perMinute
        self.open = open
    }
}

/// A liveness session: the challenges issued to one caller for one person, used once.
public struct LivenessSession: Sendable, Equatable {
    public var id: String
    public var keyID: String
    public var person: ResidentID
    public var challenges: [String]
    public var expiresAt: Date
    /// When the session was issued: frames cannot span more time than has passed since.
    public var issuedAt: Date?

    public init(id: String, keyID: String, person: ResidentID, challenges: [String], expiresAt: Date, issuedAt: Date? = nil) {
        self.issuedAt = issuedAt
        self.id = id
        self.keyID = keyID
        self.person = person
        self.challenges = challenges
        self.expiresAt = expiresAt
    }
}
