import Foundation
import Hummingbird
import Ledger

/// The audit chain over HTTP, for auditors: a full verification (``AuditStore/verifyChain()``),
/// the first row that does not match named.
struct AuditRoutes {
    let dependencies: ServiceDependencies

    struct ChainBody: Encodable {
        struct Head: Encodable {
            var seq: Int64
            var hash: String?
        }
        struct Finding: Encodable {
            var problem: String
            var table: String
            var key: String
            var seq: Int64?
            var detail: String
        }
        var applicable: Bool
        var valid: Bool
        var entries: Int
        var rows: Int
        var head: Head
        var finding: Finding?

        init(_ report: AuditReport) {
            applicable = report.applicable
            valid = report.isValid
            entries = report.entries
            rows = report.rows
            head = Head(seq: report.head.seq, hash: report.head.hash?.hexString)
            finding = report.finding.map {
                Finding(problem: $0.problem.rawValue, table: $0.table, key: $0.key, seq: $0.seq, detail: $0.detail)
            }
        }
    }

    func register(_ routes: RouteRegistrar) {
        routes.add(.auditChain) { _, _, _ in
            try JSON.response(ChainBody(try await dependencies.stores.audit.verifyChain()))
        }
    }
}
