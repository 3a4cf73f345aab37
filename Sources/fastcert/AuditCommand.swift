import ArgumentParser
import Foundation
import Ledger

/// `fastcert audit verify|head`
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit chain over ledger events, decisions, payroll and recoveries.",
        discussion: """
            Every change of a ledger event, decision, payroll run or line, recovery case or line is chained \
            (each entry's hash covers the row's content and the entry before it) by the database itself, in \
            the writing transaction. `verify` walks the chain and names the first row that does not match; \
            `head` prints the chain's last entry, to keep outside the database. See docs/audit.md.
            """,
        subcommands: [Verify.self, Head.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the whole chain; exit 6 naming the first row that does not match, 0 when all do.",
            discussion: """
                The result is recorded as the latest check of the chain: a finding raises the `tampering` alert and \
                stops payroll runs (`chain_tampered`); a clean walk lifts both.
                """)
        @Option(help: ArgumentHelp("Also check that the chain still holds this head (from `audit head`).", valueName: "SEQ:HASH"))
        var head: String?
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let stores = try ledger.open()
                let acting = try await key.acting(stores, roles: [.auditor, .operator], to: "verify the audit chain")
                var report = try await stores.audit.verifyChain()
                guard report.applicable else {
                    print("this store keeps no audit chain")
                    return
                }
                if report.finding == nil, let head { report.finding = try await Self.checkKept(head, ledger: ledger) }
                // A read-only copy (an auditor's) is still verified: the result is printed, not recorded.
                do {
                    try await stores.audit.recordVerification(report, by: acting.actor)
                } catch {
                    FileHandle.standardError.write(
                        Data(
                            "fastcert: the result could not be recorded (\(error)): the tampering alert and the payroll gate are as they were\n"
                                .utf8))
                }
                if let finding = report.finding {
                    FileHandle.standardError.write(Data("fastcert: the audit chain does not verify: \(finding)\n".utf8))
                    print("FAILED at \(finding.table) row \(finding.key) [\(finding.problem.rawValue)]")
                    throw ExitCode(6)
                }
                print("audit chain verified: \(report.entries) entries, \(report.rows) rows compared; head \(report.head)")
            }
        }

        /// A head kept outside the database must still be an entry of the chain, with that hash.
        static func checkKept(_ text: String, ledger: LedgerOptions) async throws -> AuditChain.Finding? {
            let parts = text.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let seq = Int64(parts[0]), let hash = Data(hex: String(parts[1])), hash.count == 32 else {
                throw ValidationError("--head must be SEQ:HASH as `fastcert audit head` prints it, not '\(text)'")
            }
            let audit = try ledger.open().audit
            guard try await audit.chainHolds(AuditChain.Head(seq: seq, hash: hash)) else {
                let current = try await audit.chainHead()
                return AuditChain.Finding(
                    problem: .anchorMismatch, table: "audit_chain", key: String(seq), seq: seq,
                    detail: "the head kept outside the database (\(text)) is not in the chain (its head is \(current))")
            }
            return nil
        }
    }

    struct Head: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the chain's last entry as SEQ:HASH (keep it elsewhere).")
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                print(try await ledger.open().audit.chainHead())
            }
        }
    }
}
