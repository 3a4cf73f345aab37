import Foundation
import GRDB
import Ledger
import Testing

@testable import Storage

/// What the service keeps only to serve requests is pruned past its retention, in small
/// transactions; the ledger's own records never are.
@Suite("Retention")
struct RetentionTests {
    @Test(
        "a device's liveness sessions: a new one supersedes its unused one for the person; the minute's rate and the open cap refuse more")
    func sessionLimits() async throws {
        try await LedgerStoreTests.withLedger { ledger in
            let store = ServiceStore(ledger: ledger, vault: nil)
            let now = Date()
            let wang = try ResidentID(LedgerStoreTests.wang), li = try ResidentID(LedgerStoreTests.li)
            let limits = LivenessSessionLimits(perMinute: 3, open: 1)
            func issue(_ person: ResidentID, device: String = "fc_k", at time: Date) async throws -> LivenessSession {
                try await store.verifications.createLivenessSession(
                    key: "fc_k", device: device, person: person, challenges: ["turn_left"], seconds: 120, limits: limits, at: time)
            }
            let first = try await issue(wang, at: now)
            _ = try await issue(wang, at: now.addingTimeInterval(1))  // supersedes the first: still one open
            await #expect {
                _ = try await store.verifications.claimLivenessSession(
                    first.id, key: "fc_k", person: wang, frames: [], at: now.addingTimeInterval(2))
            } throws: { ($0 as? LedgerError)?.code == .sessionExpired }
            do {
                _ = try await issue(li, at: now.addingTimeInterval(3))
                Issue.record("a second open session was issued past the cap of one")
            } catch let error as LedgerError {
                #expect(error.code == .sessionLimit && error.message.contains("unused"), "\(error.message)")
            }
            _ = try await issue(li, device: "fc_other", at: now.addingTimeInterval(3))  // another device has its own share
            _ = try await issue(wang, at: now.addingTimeInterval(4))
            do {
                _ = try await issue(wang, at: now.addingTimeInterval(5))
                Issue.record("a fourth session in a minute was issued past the rate of three")
            } catch let error as LedgerError {
                #expect(error.code == .sessionLimit && error.message.contains("last minute"), "\(error.message)")
            }
            _ = try await issue(wang, at: now.addingTimeInterval(70))  // a minute later the rate allows one again
            // One key naming ever new devices (the mobile key's header) still meets the key's ceiling.
            let keyLimits = LivenessSessionLimits(perMinute: 3, open: 1, perKeyPerMinute: 5)
            for n in 0..<5 {
                _ = try await store.verifications.createLivenessSession(
                    key: "fc_m", device: "fc_m/device:\(n)", person: wang, challenges: ["turn_left"], seconds: 120, limits: keyLimits,
                    at: now.addingTimeInterval(100))
            }
            do {
                _ = try await store.verifications.createLivenessSession(
                    key: "fc_m", device: "fc_m/device:new", person: wang, challenges: ["turn_left"], seconds: 120, limits: keyLimits,
                    at: now.addingTimeInterval(101))
                Issue.record("a sixth session in a minute from one key was issued past its ceiling of five")
            } catch let error as LedgerError {
                #expect(error.code == .sessionLimit && error.message.contains("across its devices"), "\(error.message)")
            }
        }
    }

    @Test("prune deletes old sessions with their frames, old idempotent responses and nonces; recent ones and the audit stay")
    func prune() async throws {
        try await LedgerStoreTests.withLedger { ledger in
            let store = ServiceStore(ledger: ledger, vault: nil)
            let now = Date()
            let person = try ResidentID(LedgerStoreTests.wang)
            for (age, name) in [(200.0, "old"), (1.0, "new")] {
                let issued = now.addingTimeInterval(-age * 86_400)
                let session = try await store.verifications.createLivenessSession(
                    key: "fc_k", device: "fc_k", person: person, challenges: ["turn_left"], seconds: 120,
                    limits: LivenessSessionLimits(perMinute: 20, open: 4), at: issued)
                _ = try await store.verifications.claimLivenessSession(
                    session.id, key: "fc_k", person: person,
                    frames: [Data(name.utf8), Data((name + "2").utf8)].map {
                        SubmittedFrame(sha256: $0, pixelDigest: $0, differenceHash: Data(repeating: 0, count: 32))
                    }, at: issued)
                try await ledger.write { db in
                    try db.execute(
                        sql: "INSERT INTO idempotent_response VALUES (?, ?, x'00', 200, x'', ?)",
                        arguments: ["fc_k", name, issued.formatted(.iso8601)])
                    try db.execute(
                        sql: "INSERT INTO request_nonce VALUES (?, ?, ?)", arguments: ["fc_k", name, Int(issued.timeIntervalSince1970)])
                }
            }
            let report = try await ledger.prune(Retention(), now: now, batch: 1)  // batches of one row: the loop is exercised
            #expect(report == PruneReport(sessions: 1, frames: 2, idempotentResponses: 1, nonces: 1))
            for table in ["liveness_session", "idempotent_response", "request_nonce"] {
                #expect(try await ledger.database.count("SELECT COUNT(*) FROM \(table)") == 1, "\(table)")
            }
            #expect(try await ledger.database.count("SELECT COUNT(*) FROM liveness_frame") == 2)
            #expect(try await ledger.database.count("SELECT COUNT(*) FROM liveness_frame_content") == 2)
            #expect(try await ledger.prune(Retention(), now: now, batch: 5_000) == PruneReport(), "nothing left to prune")
        }
    }
}
