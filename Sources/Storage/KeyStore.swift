import Crypto
import Foundation
import GRDB
import Ledger

/// The callers' keys (`api_key`) and the nonces of their signed requests (`request_nonce`).
public struct KeyStore: LedgerBacked {
    let ledger: LedgerStore

    public init(ledger: LedgerStore) {
        self.ledger = ledger
    }

    /// Creates a key and returns it with the full text, which is never stored and never shown again.
    /// A feed key names the departments (`sources`, from the rules' catalogue) whose kinds it may
    /// deliver; no other role names any. A signing kiosk key also gets its signing secret (an
    /// Ed25519 private key, `fcs_` and 64 hex digits), likewise shown once: only its public key is
    /// stored, so nothing the ledger holds, and nothing a request carries, can forge a signature.
    ///
    /// An operator key names its `holder`, the person it is issued to (four eyes compares holders);
    /// other roles may. `by` is who made it (an operator key, or the system account), recorded.
    public func createKey(
        name: String, role: APIKey.Role, unit: String, requireSignature: Bool, sources: [String], holder: String?, by creator: String
    )
        async throws -> (key: APIKey, text: String, signingSecret: String?)
    {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw LedgerError(.invalidName, "a key needs a name of 1 to 100 characters") }
        let holder = try holder.map { try APIKey.checkHolder($0) }
        guard holder != nil || role != .operator else {
            throw LedgerError(
                .invalidKeyOptions, "an operator key needs --holder: the person it is issued to (four eyes compares people, not keys)")
        }
        guard holder != nil || role != .staff else {
            throw LedgerError(
                .invalidKeyOptions,
                "a staff key needs --holder: the community worker it is issued to (their verifications are recorded as assisted by them)")
        }
        guard !requireSignature || role == .kiosk else {
            throw LedgerError(.invalidKeyOptions, "only kiosk keys sign their requests")
        }
        let sources = Array(Set(sources.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })).sorted()
        if role == .feed {
            guard !sources.isEmpty else {
                throw LedgerError(.invalidKeyOptions, "a feed key needs --sources: the departments whose evidence it delivers")
            }
            let known = ledger.rules.sources
            if let unknown = sources.first(where: { !known.contains($0) }) {
                throw LedgerError(
                    .invalidKeyOptions, "unknown department '\(unknown)'; the catalogue knows \(known.sorted().joined(separator: ", "))")
            }
            if sources.contains("fastcert") {
                throw LedgerError(.invalidKeyOptions, "face verifications are recorded by the service itself, not delivered by a feed")
            }
            if sources.contains("camera_network") {
                throw LedgerError(
                    .invalidKeyOptions,
                    "video confirmations are recorded by the service's own face match of a camera's still (a camera key)")
            }
        } else if !sources.isEmpty {
            throw LedgerError(.invalidKeyOptions, "only feed keys deliver evidence for departments (--sources)")
        }
        let generated = APIKey.generate()
        let signing = requireSignature ? Curve25519.Signing.PrivateKey() : nil
        let row = APIKeyRow(
            id: generated.id, name: name, role: role.rawValue, unitCode: unit, secretSha256: APIKey.hash(generated.secret),
            requireSignature: requireSignature, createdAt: LedgerStore.timestamp(), revokedAt: nil,
            sources: role == .feed ? sources.joined(separator: ",") : nil, signingPublicKey: signing?.publicKey.rawRepresentation,
            holder: holder, createdBy: creator)
        let key: APIKey = try await write { db in
            guard let path = try self.ledger.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            if role == .staff {
                let level = try String.fetchOne(db, sql: "SELECT level FROM unit WHERE code = ?", arguments: [unit])
                guard level == "community" else {
                    throw LedgerError(
                        .invalidKeyOptions,
                        "a staff key is bound to one community (--unit COMMUNITY); \(unit) is a \(level ?? "unit"), not a community")
                }
            }
            try row.insert(db)
            return Self.key(row, unitPath: path)
        }
        return (key, generated.text, signing.map { APIKey.signingSecretPrefix + $0.rawRepresentation.hexString })
    }

    static func key(_ row: APIKeyRow, unitPath: String) -> APIKey {
        APIKey(
            id: row.id, name: row.name, role: APIKey.Role(rawValue: row.role) ?? .auditor, unitCode: row.unitCode, unitPath: unitPath,
            requireSignature: row.requireSignature, createdAt: row.createdAt, revokedAt: row.revokedAt,
            sources: row.sources.map { $0.split(separator: ",").map(String.init) } ?? [], secretHash: row.secretSha256,
            signingPublicKey: row.signingPublicKey, holder: row.holder)
    }

    /// The key with its unit's path, or nil.
    func key(_ id: String, _ db: Database) throws -> APIKey? {
        guard let row = try APIKeyRow.fetchOne(db, key: id), let path = try ledger.unitPath(row.unitCode, db) else { return nil }
        return Self.key(row, unitPath: path)
    }

    /// Every key, newest first (revoked ones too, marked).
    public func keys() async throws -> [APIKey] {
        try await read { db in
            try APIKeyRow.order(Column("created_at").desc, Column("id")).fetchAll(db).compactMap { row in
                try self.ledger.unitPath(row.unitCode, db).map { Self.key(row, unitPath: $0) }
            }
        }
    }

    /// Revokes a key at once; revoking twice is refused so a typo is noticed.
    public func revokeKey(_ id: String) async throws {
        try await write { db in
            guard var row = try APIKeyRow.fetchOne(db, key: id) else { throw LedgerError(.unknownKey, "no key \(id)") }
            if let at = row.revokedAt { throw LedgerError(.keyRevoked, "key \(id) was already revoked at \(at)") }
            row.revokedAt = LedgerStore.timestamp()
            try row.update(db)
        }
    }

    /// The live key a presented text stands for, or nil (unknown, revoked or a wrong secret: the
    /// caller is not told which).
    public func authenticate(_ presented: String) async throws -> APIKey? {
        guard let (id, secret) = APIKey.parse(presented) else { return nil }
        let hash = APIKey.hash(secret)
        let key = try await read { db in try self.key(id, db) }
        guard let key, key.revokedAt == nil, Self.constantTimeEqual(key.secretHash, hash) else { return nil }
        return key
    }

    /// Compares two secrets in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Records a signed request's nonce; false when the key already used it (a replay). Nonces
    /// older than `window` seconds are forgotten: the timestamp check refuses those requests anyway.
    public func useNonce(_ nonce: String, key: String, at unixSeconds: Int, window: Int) async throws -> Bool {
        try await write { db in
            try RequestNonceRow.filter(Column("at") < unixSeconds - 2 * window).deleteAll(db)
            try RequestNonceRow(keyId: key, nonce: nonce, at: unixSeconds).insert(db, onConflict: .ignore)
            return db.changesCount == 1
        }
    }
}
