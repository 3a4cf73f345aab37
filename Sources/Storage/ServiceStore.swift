import Foundation
import GRDB
import Ledger

/// What the service keeps beside the ledger, on the same database file, as stores named for what
/// they hold: ``keys`` (callers' keys, signed requests' nonces), ``persons`` (persons as the API
/// sees them), ``templates`` (sealed face templates and their enrollment records) and
/// ``verifications`` (attempts, idempotent responses, liveness sessions). Verifications land in the
/// ledger through ``ledger``, in the same transaction as their attempt row.
public struct ServiceStore: Sendable {
    public let ledger: LedgerStore
    public let keys: KeyStore
    public let persons: PersonStore
    public let templates: TemplateStore
    public let verifications: VerificationRecordStore
    /// Cameras' sightings (`sighting`), their evidence and alarms.
    public let sightings: SightingRecordStore
    /// Locks and once-only claims across the processes on this database.
    public let coordinator: SQLiteCoordinator

    /// The stores on one ledger; `vault` seals templates (nil for tools that never touch them).
    public init(ledger: LedgerStore, vault: TemplateVault?) {
        self.ledger = ledger
        keys = KeyStore(ledger: ledger)
        persons = PersonStore(ledger: ledger)
        templates = TemplateStore(ledger: ledger, vault: vault)
        verifications = VerificationRecordStore(ledger: ledger, vault: vault)
        sightings = SightingRecordStore(ledger: ledger, vault: vault)
        coordinator = SQLiteCoordinator(ledger: ledger)
    }
}

/// A store on the ledger's database: its reads and writes, each one transaction, with database
/// failures as `StorageError` (`database`) and refusals as `LedgerError`.
protocol LedgerBacked: Sendable {
    var ledger: LedgerStore { get }
}

extension LedgerBacked {
    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await ledger.read(body)
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await ledger.write(body)
    }
}

extension TemplateVault {
    /// The vault a command needs for templates (`template_key` when none was configured).
    static func required(_ vault: TemplateVault?) throws -> TemplateVault {
        guard let vault else { throw StorageError(.templateKey, "no template key was configured for this command") }
        return vault
    }
}
