import Foundation

/// A caller of the HTTP service: a kiosk, the mobile-app backend, an operator, a department's
/// feed or an auditor, scoped to a unit's subtree. The secret is shown once, at creation; the
/// ledger keeps only its SHA-256.
public struct APIKey: Sendable, Equatable {
    /// What a caller may do (the server's routes check it). A `camera` sends sightings from a
    /// site (its name) in its unit, and reads nothing (docs/sightings.md). A `staff` key is a
    /// community worker's device: issued to the worker by name (its holder) for one community, it
    /// lists the community's visits and runs the liveness session for a person of the community at
    /// home, recorded as assisted by the worker (docs/http-api.md, "Help at home").
    public enum Role: String, Sendable, CaseIterable, Codable {
        case kiosk, mobile, `operator`, feed, auditor, camera, staff
    }

    /// The public part of the key (`fc_` and 16 hex digits), safe to log.
    public var id: String
    public var name: String
    /// The named person the key was issued to (operator keys: required; see ``ActorID``): what
    /// four eyes compares, so one person's second key is still the same pair of eyes. Nil for
    /// devices and feeds, and for operator keys made before holders were recorded (those act,
    /// but are never one of the four eyes).
    public var holder: String?
    public var role: Role
    public var unitCode: String
    /// The unit's path (`/3702/370202/`): the caller sees persons whose community path starts with it.
    public var unitPath: String
    /// Kiosk keys can be made to sign every request (Ed25519, see docs/http-api.md).
    public var requireSignature: Bool
    public var createdAt: String
    public var revokedAt: String?
    /// Feed keys: the departments whose kinds the key may deliver (empty for other roles).
    public var sources: [String] = []
    /// SHA-256 of the secret: what a presented key is checked against.
    public var secretHash: Data
    /// The Ed25519 public key a signing key's requests are verified with; nil for keys that do not
    /// sign (and for signing keys made before signatures were Ed25519: they must be re-issued).
    public var signingPublicKey: Data?

    /// How a signing secret is written: this prefix, then the Ed25519 private key's 32 bytes in hex.
    public static let signingSecretPrefix = "fcs_"

    /// What this key's actions are recorded as (``ActorID``).
    public var actor: String { ActorID(key: self).description }

    /// Whether the key's unit is the top of the tree, the city: what an act for the whole city
    /// (a payroll run, a sweep, a rules change) needs of a key.
    public var coversWholeCity: Bool { unitPath.split(separator: "/").count == 1 }

    /// Refuses `what`, an act for the whole city, to a key of a lower unit (`out_of_scope`). The
    /// system account (a command without a key) acts for the whole city: callers skip the check
    /// for it (`acting.key?.checkCoversWholeCity(...)`).
    public func checkCoversWholeCity(for what: String) throws(LedgerError) {
        guard !coversWholeCity else { return }
        throw LedgerError(.outOfScope, "\(what) covers the whole city: it needs an operator key of the city unit")
    }

    /// A holder as compared: compatibility-normalized (NFKC: a full-width `ａｌｉｃｅ` from an input
    /// method is `alice`), without case, surrounding space or doubled spaces.
    public static func canonicalHolder(_ holder: String) -> String {
        holder.precomposedStringWithCompatibilityMapping.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// A holder's name as given at key creation, checked: 1 to 64 characters of letters, digits,
    /// spaces and `.-_@`, without the word that joins a holder to their key (` via `). Returns it trimmed.
    public static func checkHolder(_ text: String) throws(LedgerError) -> String {
        let holder = text.precomposedStringWithCompatibilityMapping.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let allowed = holder.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || $0.properties.numericType != nil || " .-_@".unicodeScalars.contains($0)
        }
        let canonical = canonicalHolder(holder)
        // Nothing that reads as another kind of actor: a key id, the sweep, a word with no letter.
        let reserved = canonical.hasPrefix("fc_") || ["sweep", "system", "demo"].contains(canonical)
        let hasLetter = holder.unicodeScalars.contains { $0.properties.isAlphabetic || $0.properties.numericType != nil }
        guard !holder.isEmpty, holder.count <= 64, allowed, hasLetter, !reserved, !canonical.contains(ActorID.via.lowercased()),
            !canonical.hasSuffix(" via")
        else {
            throw LedgerError(
                .invalidKeyOptions,
                "--holder names the person the key is issued to (a staff ID or name): 1 to 64 letters, digits, spaces or .-_@")
        }
        return holder
    }

    /// True when a person of the community at `path` lies in this caller's subtree.
    public func covers(unitPath path: String) -> Bool { path.hasPrefix(unitPath) }

    public init(
        id: String, name: String, role: Role, unitCode: String, unitPath: String, requireSignature: Bool, createdAt: String,
        revokedAt: String? = nil, sources: [String] = [], secretHash: Data, signingPublicKey: Data? = nil, holder: String? = nil
    ) {
        self.id = id
        self.name = name
        self.holder = holder
        self.role = role
        self.unitCode = unitCode
        self.unitPath = unitPath
        self.requireSignature = requireSignature
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.sources = sources
        self.secretHash = secretHash
        self.signingPublicKey = signingPublicKey
    }
}
