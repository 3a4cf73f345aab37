import Foundation
import Ledger
import Testing

/// The audit chain's pure rules: content, links and the walk's verdict.
@Suite("Audit chain rules")
struct AuditChainRuleTests {
    @Test("content: trailing NULLs are not part of it (a column added later leaves old rows' hashes); types and order are")
    func content() {
        let row: [AuditChain.Value] = [.integer(7), .text("2026-01"), .null]
        #expect(AuditChain.contentDigest(row) == AuditChain.contentDigest(Array(row.prefix(2))))
        #expect(AuditChain.contentDigest(row) != AuditChain.contentDigest([.integer(7), .null, .text("2026-01")]))
        #expect(AuditChain.contentDigest([.integer(7)]) != AuditChain.contentDigest([.text("7")]))
        #expect(AuditChain.contentDigest([.text("ab"), .text("c")]) != AuditChain.contentDigest([.text("a"), .text("bc")]))
        #expect(AuditChain.contentDigest([.integer(320_050)]) != AuditChain.contentDigest([.integer(3_200_500)]))
        #expect(AuditChain.contentDigest([]) == AuditChain.tombstone && AuditChain.tombstone.count == 32)
    }

    /// A valid chain of `count` entries over payroll lines.
    static func chain(_ count: Int) -> [AuditChain.Entry] {
        var entries: [AuditChain.Entry] = []
        for n in 1...count {
            let content = AuditChain.contentDigest([.integer(Int64(n)), .integer(320_050)])
            let hash = AuditChain.link(
                previous: entries.last?.hash, table: "payroll_line", key: .integer(Int64(n)), operation: .insert, at: 1_800_000_000,
                content: content)
            entries.append(
                AuditChain.Entry(
                    seq: Int64(n), table: "payroll_line", key: .integer(Int64(n)), operation: .insert, at: 1_800_000_000, content: content,
                    hash: hash))
        }
        return entries
    }

    static func walk(_ entries: [AuditChain.Entry]) -> AuditChain.Walk {
        var walk = AuditChain.Walk(previous: nil)
        for entry in entries { walk.check(entry) }
        return walk
    }

    @Test("the walk accepts a valid chain and names the first entry edited, removed or inserted")
    func walk() {
        let entries = Self.chain(5)
        #expect(Self.walk(entries).finding == nil && Self.walk(entries).entries == 5)
        var edited = entries
        edited[2].content = AuditChain.contentDigest([.integer(3), .integer(3_200_500)])
        #expect(
            Self.walk(edited).finding
                == AuditChain.Finding(
                    problem: .brokenLink, table: "payroll_line", key: "3", seq: 3,
                    detail: "the entry's hash does not follow from its content and the entry before it"))
        var removed = entries
        removed.remove(at: 1)
        #expect(Self.walk(removed).finding?.seq == 3)
        var moved = entries
        moved[4].at += 1
        #expect(Self.walk(moved).finding?.seq == 5 && Self.walk(moved).finding?.problem == .brokenLink)
    }

    @Test("an update or delete of a write-once table is a finding even when correctly linked; decisions may change")
    func forbiddenChange() {
        var entries = Self.chain(2)
        for (table, expected) in [("payroll_line", AuditChain.Finding.Problem.forbiddenChange), ("decision", nil)] {
            let content = AuditChain.contentDigest([.integer(1)])
            let hash = AuditChain.link(
                previous: entries[1].hash, table: table, key: .integer(1), operation: .update, at: 1, content: content)
            entries =
                Array(entries.prefix(2)) + [
                    AuditChain.Entry(seq: 3, table: table, key: .integer(1), operation: .update, at: 1, content: content, hash: hash)
                ]
            #expect(Self.walk(entries).finding?.problem == expected)
        }
    }
}
