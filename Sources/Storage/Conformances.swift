import Foundation
import Ledger

// The store protocols the layers above own (Ledger/Stores), implemented by the SQLite stores.
extension LedgerStore: RegistryImportStore, EvidenceStore, DailyWorkStore, CaseworkStore, MoneyStore, QueryStore {}
extension KeyStore: CallerKeyStore {}
extension PersonStore: PersonRegistry {}
extension TemplateStore: EnrollmentStore {}
extension VerificationRecordStore: VerificationStore {}

extension ServiceStore {
    /// Every store of this database as the protocols the front doors hold (``Stores``).
    public var stores: Stores {
        var stores = Stores(
            rules: ledger.rules, registry: ledger, evidence: ledger, daily: ledger, casework: ledger, money: ledger,
            queries: ledger, keys: keys, persons: persons, enrollment: templates, verification: verifications,
            coordinator: coordinator)
        stores.audit = ledger
        stores.sightings = sightings
        stores.privacy = ledger
        stores.appeals = ledger
        return stores
    }
}
extension SightingRecordStore: SightingStore {}
extension LedgerStore: AppealStore {}
