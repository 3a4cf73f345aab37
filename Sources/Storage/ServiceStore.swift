import Foundation
import GRDB
import Ledger

/// What the service keeps beside the ledger, on the same database file, as the stores named for
/// what they hold: ``keys`` (callers' keys, nonces), and in extensions of this type the persons as
/// the API sees them, sealed face templates with their enrollment records, and verification
/// records (attempts, idempotent responses, liveness sessions). Verifications land in the ledger
/// through ``ledger``, in the same transaction as their attempt row.
public struct ServiceStore: Sendable {
    public let ledger: LedgerStore
    /// Callers' keys and signed requests' nonces.
    public let keys: KeyStore
    /// Seals templates; nil for tools that never touch them (key management).
    let templateVault: TemplateVault?

    public init(ledger: LedgerStore, vault: TemplateVault?) {
        self.ledger = ledger
        keys = KeyStore(ledger: ledger)
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
