import Foundation
import Ledger
import Storage

extension EvidenceDelivery {
    /// Every class of evidence through one door, for tests that stage a history (verifications,
    /// visits, deaths) before checking what a rule does with it. The product's doors each take
    /// their own classes (EvidenceDelivery's factories); the door tests use those.
    static func staging(by actor: String = "test:staging", receivedOn day: Day = Day(Date())) -> EvidenceDelivery {
        EvidenceDelivery(by: actor, sources: nil, scope: nil, classes: Set(LedgerRules.EvidenceClass.allCases), receivedOn: day)
    }
}

extension LedgerStore {
    /// Stages rows received today (``EvidenceDelivery/staging(by:receivedOn:)``).
    func importEvidence(_ rows: [EvidenceInput], batchSize: Int = 20_000, into report: inout ImportReport) async throws {
        try await importEvidence(rows, batchSize: batchSize, delivery: .staging(), into: &report)
    }

    /// Stages a feed received today, `batchSize` rows a transaction.
    func importEvidence(
        _ feed: EvidenceFeed, batchSize: Int = 20_000, into report: inout ImportReport, progress: (@Sendable (Int, Double) -> Void)? = nil
    ) async throws {
        try await importEvidence(feed, batchSize: batchSize, delivery: .staging(), into: &report, progress: progress)
    }
}

extension EvidenceStore {
    /// Stages a feed through any backend's store (``EvidenceDelivery/staging(by:receivedOn:)``).
    func stage(_ feed: EvidenceFeed, into report: inout ImportReport) async throws {
        try await importEvidence(feed, batchSize: 20_000, delivery: .staging(), into: &report, progress: nil)
    }
}
