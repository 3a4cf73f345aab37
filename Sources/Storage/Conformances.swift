import Foundation
import Ledger

// The store protocols the layers above own (Ledger/Stores), implemented by the SQLite stores.
extension LedgerStore: RegistryImportStore, EvidenceStore, DailyWorkStore, CaseworkStore, MoneyStore, QueryStore {
    public func prune(_ retention: Retention, now: Date, batch: Int) async throws -> PruneReport {
        try await ServiceStore(ledger: self, vault: nil).prune(retention, now: now, batch: batch)
    }
}
extension KeyStore: CallerKeyStore {}
extension PersonStore: PersonRegistry {}
extension TemplateStore: EnrollmentStore {}
extension VerificationRecordStore: VerificationStore {}

extension ServiceStore {
    /// Every store of this database as the protocols the front doors hold (``Stores``).
    public var stores: Stores {
        Stores(
            rules: ledger.rules, registry: ledger, evidence: ledger, daily: ledger, casework: ledger, money: ledger,
            queries: ledger, keys: keys, persons: persons, enrollment: templates, verification: verifications,
            coordinator: coordinator)
    }
}
