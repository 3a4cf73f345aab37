import Foundation
import GRDB
import Ledger

/// What the HTTP service keeps beside the ledger, on the same database file: callers' keys,
/// sealed face templates, verification attempts (for lockout and audit), idempotent responses
/// and the nonces of signed requests. Verifications land in the ledger through ``ledger``, in the
/// same transaction as their attempt row.
public struct ServiceStore: Sendable {
    public let ledger: LedgerStore
    /// Seals templates; nil for tools that never touch them (key management).
    let templateVault: TemplateVault?

    public init(ledger: LedgerStore, vault: TemplateVault?) {
        self.ledger = ledger
        templateVault = vault
    }

    var vault: TemplateVault {
        get throws(LedgerError) {
            guard let templateVault else { throw LedgerError(.templateKey, "no template key was configured for this command") }
            return templateVault
        }
    }

    var writer: any DatabaseWriter { ledger.writer }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(LedgerError) -> T {
        try await ledger.read(body)
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(LedgerError) -> T {
        try await ledger.write(body)
    }

    static func now() -> String { Date().formatted(.iso8601) }

    // MARK: - Keys

    /// Creates a key and returns it with the full text, which is never stored and never shown again.
    public func createKey(name: String, role: APIKey.Role, unit: String, requireSignature: Bool = false) async throws(LedgerError)
        -> (key: APIKey, text: String)
    {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw LedgerError(.invalidName, "a key needs a name of 1 to 100 characters") }
        guard !requireSignature || role == .kiosk else {
            throw LedgerError(.invalidKeyOptions, "only kiosk keys sign their requests")
        }
        let generated = APIKey.generate()
        let hash = APIKey.hash(generated.secret)
        let key: APIKey = try await write { db in
            guard let path = try self.ledger.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            let key = APIKey(
                id: generated.id, name: name, role: role, unitCode: unit, unitPath: path, requireSignature: requireSignature,
                createdAt: Self.now(), revokedAt: nil, secretHash: hash)
            try db.execute(
                sql: """
                    INSERT INTO api_key (id, name, role, unit_code, secret_sha256, require_signature, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [key.id, key.name, role.rawValue, unit, hash, requireSignature, key.createdAt])
            return key
        }
        return (key, generated.text)
    }

    static let keyColumns =
        "k.id, k.name, k.role, k.unit_code, u.path, k.require_signature, k.created_at, k.revoked_at, k.secret_sha256"

    static func key(_ row: Row) -> APIKey {
        APIKey(
            id: row[0], name: row[1], role: APIKey.Role(rawValue: row[2]) ?? .auditor, unitCode: row[3], unitPath: row[4],
            requireSignature: row[5], createdAt: row[6], revokedAt: row[7], secretHash: row[8])
    }

    /// Every key, newest first (revoked ones too, marked).
    public func keys() async throws(LedgerError) -> [APIKey] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.keyColumns) FROM api_key k JOIN unit u ON u.code = k.unit_code ORDER BY k.created_at DESC, k.id"
            )
            .map(Self.key)
        }
    }

    /// Revokes a key at once; revoking twice is refused so a typo is noticed.
    public func revokeKey(_ id: String) async throws(LedgerError) {
        try await write { db in
            guard let revoked = try Row.fetchOne(db, sql: "SELECT revoked_at FROM api_key WHERE id = ?", arguments: [id]) else {
                throw LedgerError(.unknownKey, "no key \(id)")
            }
            if let at = revoked[0] as String? { throw LedgerError(.keyRevoked, "key \(id) was already revoked at \(at)") }
            try db.execute(sql: "UPDATE api_key SET revoked_at = ? WHERE id = ?", arguments: [Self.now(), id])
        }
    }

    /// The live key a presented text stands for, or nil (unknown, revoked or a wrong secret: the
    /// caller is not told which).
    public func authenticate(_ presented: String) async throws(LedgerError) -> APIKey? {
        guard let (id, secret) = APIKey.parse(presented) else { return nil }
        let hash = APIKey.hash(secret)
        let key = try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.keyColumns) FROM api_key k JOIN unit u ON u.code = k.unit_code WHERE k.id = ?", arguments: [id]
            ).map(Self.key)
        }
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
    public func useNonce(_ nonce: String, key: String, at unixSeconds: Int, window: Int) async throws(LedgerError) -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM request_nonce WHERE at < ?", arguments: [unixSeconds - 2 * window])
            try db.execute(
                sql: "INSERT INTO request_nonce (key_id, nonce, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [key, nonce, unixSeconds])
            return db.changesCount == 1
        }
    }

    // MARK: - Units

    /// The path of a unit, or nil.
    public func unitPath(_ code: String) async throws(LedgerError) -> String? {
        try await read { db in try self.ledger.unitPath(code, db) }
    }
}

extension ServiceStore {
    /// Reads from the database (for readiness checks); throws when it cannot.
    public func ping() async throws(LedgerError) {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM unit") }
    }
}
