import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import Ledger
import Logging
import NIOCore
import NIOFoundationCompat
import Storage
import Synchronization
import Testing

@testable import fastcert

/// The sender against a real gateway: a Hummingbird app on a random local port that checks each
/// request's signature, deduplicates by idempotency key, and fails now and then (every third
/// request a 500, one request too slow to answer, one recipient it refuses, one it never takes).
@Suite("Notice sender", .serialized)
struct NoticeSenderTests {
    static let secret = Data("a-test-secret-of-32-bytes-length".utf8)
    static let invalid = "13800000999"
    static let broken = "13800000998"

    /// What the gateway saw.
    struct Seen: Sendable {
        var requests = 0
        /// Accepted messages by idempotency key (the gateway's message id) and their bodies.
        var accepted: [String: String] = [:]
        var bodies: [String: Int] = [:]
        var duplicates = 0
        var forged = 0
        var slow = 0
        /// Keys failed by the every-third rule (each at most once, so no notice fails for ever by chance).
        var failed: Set<String> = []
    }

    final class Gateway: Sendable {
        let seen = Mutex(Seen())
        /// From this request on, the first ordinary one gets no answer within the sender's timeout.
        let slowRequest: Int?
        let failEveryThird: Bool

        init(slowRequest: Int? = 4, failEveryThird: Bool = true) {
            self.slowRequest = slowRequest
            self.failEveryThird = failEveryThird
        }

        func handle(_ request: Request) async throws -> Response {
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            func header(_ name: String) -> String? { request.headers.first { $0.name.canonicalName == name }?.value }
            let key = header("idempotency-key") ?? ""
            // The signature: HMAC-SHA256 of "<timestamp>.<body>", a timestamp within five minutes.
            let timestamp = header("x-fastcert-timestamp") ?? ""
            let expected = NoticeSenderTests.hmac(timestamp: timestamp, body: body)
            guard header("x-fastcert-signature") == expected, let seconds = Double(timestamp),
                abs(seconds - Date().timeIntervalSince1970) < 300
            else {
                seen.withLock { $0.forged += 1 }
                return Self.answer(.unauthorized, ["error": "bad_signature"])
            }
            let json = try JSONSerialization.jsonObject(with: body) as! [String: Any]
            let recipient = json["recipient"] as? String
            let n = seen.withLock { seen in
                seen.requests += 1
                return seen.requests
            }
            if recipient == NoticeSenderTests.invalid { return Self.answer(.unprocessableContent, ["error": "invalid_recipient"]) }
            if recipient == NoticeSenderTests.broken { return Self.answer(.internalServerError, ["error": "busy"]) }
            let (fail, slow) = seen.withLock { seen -> (Bool, Bool) in
                if failEveryThird, n % 3 == 0, seen.failed.insert(key).inserted { return (true, false) }
                if let slowRequest, n >= slowRequest, seen.slow == 0 {
                    seen.slow += 1
                    return (false, true)
                }
                return (false, false)
            }
            if fail { return Self.answer(.internalServerError, ["error": "busy"]) }
            if slow {
                try await Task.sleep(for: .seconds(4))
                return Self.answer(.serviceUnavailable, ["error": "too_slow"])
            }
            let id = seen.withLock { seen -> String in
                if let id = seen.accepted[key] {
                    seen.duplicates += 1
                    return id
                }
                let id = "gw-\(seen.accepted.count + 1)"
                seen.accepted[key] = id
                seen.bodies[String(decoding: body, as: UTF8.self), default: 0] += 1
                return id
            }
            return Self.answer(.ok, ["message_id": id])
        }

        static func answer(_ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
            Response(
                status: status, body: ResponseBody(byteBuffer: ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))))
        }
    }

    static func hmac(timestamp: String, body: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((timestamp + ".").utf8) + body, using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Runs the gateway on a free local port while `body` runs.
    static func withGateway(_ gateway: Gateway, _ body: (URL) async throws -> Void) async throws {
        let router = Router()
        router.post("hook") { request, _ in try await gateway.handle(request) }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "test.gateway"))
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body(URL(string: "http://127.0.0.1:\(port)/hook")!)
    }

    /// A ledger file with `count` persons by SMS (two of them the refused and the broken number),
    /// each with a reminder queued by the sweep.
    static func withNotices(count: Int, _ body: (String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-sender-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appending(path: "ledger.sqlite").path
        let store = LedgerStore(database: try AppDatabase(path: path), rules: try LedgerRules.shipped())
        _ = try await store.importUnits(
            csv: """
                code,name,level,parent_code,kiosk_sites,office_phone
                3702,Qingdao,city,,,
                370202,市南区,district,3702,,
                370202001,八大关街道,street,370202,,
                370202001001,太平社区,community,370202001,太平社区服务中心,0532-82861234
                """)
        var lines = ["resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile"]
        for i in 1...count {
            let id = ResidentID.completing("37020219400101" + String(format: "%03d", i))!.value
            let phone = i == 1 ? invalid : i == 2 ? broken : "1390000\(String(format: "%04d", i))"
            lines.append("\(id),P\(i),1940-01-01,370202001001,3,3000,\(phone),,0,0")
        }
        let report = try await store.importPersons(csv: lines.joined(separator: "\n"), today: Day("2025-06-01")!)
        try #require(report.imported == count, "\(report.problems)")
        _ = try await store.sweep(on: Day("2026-03-15")!)
        try await body(path)
    }

    static func sender(_ path: String, _ webhook: URL, owner: String, now: @escaping @Sendable () -> Date = { Date() }) throws
        -> NoticeSender
    {
        var configuration = NoticeSender.Configuration(webhook: webhook, secret: secret)
        configuration.batch = 4
        configuration.maxAttempts = 4
        configuration.baseDelay = 0.05
        configuration.maxDelay = 0.2
        // Long enough that an ordinary answer on a loaded machine is not taken for a lost one (CI saw
        // a 0.5 s timeout re-post a notice the gateway had answered); the slow answer is longer still.
        configuration.timeout = 3
        configuration.lease = 9
        configuration.idle = 0.05
        #expect(configuration.problem == nil)
        var sender = NoticeSender(
            store: LedgerStore(database: try AppDatabase(path: path), rules: try LedgerRules.shipped()),
            client: HTTPClient(eventLoopGroupProvider: .singleton), configuration: configuration, logger: Logger(label: "test.sender"))
        sender.owner = owner
        sender.now = now
        return sender
    }

    static func states(_ store: LedgerStore) async throws -> [String: Int] {
        let rows = try await store.outbox(includeSent: true)
        return rows.reduce(into: [:]) { $0[$1.state, default: 0] += 1 }
    }

    @Test(
        "two senders on one ledger file against a flaky gateway: every notice delivered once, failures retried, the refused and the broken dead"
    )
    func twoSendersFlakyGateway() async throws {
        let gateway = Gateway()
        try await Self.withGateway(gateway) { webhook in
            try await Self.withNotices(count: 24) { path in
                let senders = [try Self.sender(path, webhook, owner: "one"), try Self.sender(path, webhook, owner: "two")]
                let watcher = LedgerStore(database: try AppDatabase(path: path), rules: try LedgerRules.shipped())
                let deadline = Date().addingTimeInterval(60)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for sender in senders {
                        group.addTask {
                            while Date() < deadline {
                                let states = try await Self.states(watcher)
                                if states["pending", default: 0] + states["failed", default: 0] + states["sending", default: 0] == 0 {
                                    return
                                }
                                if try await sender.sendDue().claimed == 0 { try await Task.sleep(for: .milliseconds(50)) }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                for sender in senders { try await sender.client.shutdown() }
                let store = LedgerStore(database: try AppDatabase(path: path), rules: try LedgerRules.shipped())
                let rows = try await store.outbox(includeSent: true)
                try #require(rows.count == 24)
                let seen = gateway.seen.withLock { $0 }
                #expect(seen.forged == 0, "every request's signature verifies")
                #expect(seen.slow == 1 && seen.requests > 24, "the gateway failed now and then: \(seen.requests) requests")
                // Each delivered notice: accepted once by the gateway, under its id, with its body once.
                let delivered = rows.filter { $0.state == "delivered" }
                #expect(delivered.count == 22, "\(rows.map { ($0.id, $0.state, $0.attempts, $0.lastError ?? "") })")
                #expect(seen.accepted.count == 22 && seen.duplicates == 0 && seen.bodies.values.allSatisfy { $0 == 1 })
                for row in delivered {
                    #expect(seen.accepted[String(row.id)] == row.gatewayID && row.gatewayID != nil, "the receipt is the gateway's id")
                }
                #expect(rows.contains { $0.attempts > 1 && $0.state == "delivered" }, "some were retried")
                let refused = try #require(rows.first { $0.recipient == Self.invalid })
                #expect(refused.state == "dead" && refused.attempts == 1 && refused.lastError?.contains("invalid_recipient") == true)
                let broken = try #require(rows.first { $0.recipient == Self.broken })
                #expect(broken.state == "dead" && broken.attempts == 4 && broken.lastError?.contains("after 4 tries") == true, "\(broken)")
            }
        }
    }

    @Test("a sender that crashes after the gateway took a notice: the next one posts it again under the same key, the gateway keeps one")
    func crashAfterDelivery() async throws {
        let gateway = Gateway(slowRequest: nil, failEveryThird: false)
        try await Self.withGateway(gateway) { webhook in
            try await Self.withNotices(count: 3) { path in
                let crashed = try Self.sender(path, webhook, owner: "crashed")
                let claimed = try await crashed.store.claimOutbox(by: "crashed", limit: 3, lease: 6, maxAttempts: 4, now: Date())
                let notice = try #require(claimed.first { $0.recipient != Self.invalid && $0.recipient != Self.broken })
                // Posted; the process dies before it records the outcome.
                let first = await crashed.deliver(notice)
                try await crashed.client.shutdown()
                // After the lease, another sender takes it over.
                let later = try Self.sender(path, webhook, owner: "later", now: { Date().addingTimeInterval(30) })
                _ = try await later.drain()
                _ = try await later.drain()
                try await later.client.shutdown()
                let row = try #require(try await later.store.outbox(includeSent: true).first { $0.id == notice.id })
                let seen = gateway.seen.withLock { $0 }
                guard case .delivered(let id) = first else {
                    Issue.record("the first post was not taken: \(first)")
                    return
                }
                #expect(row.state == "delivered" && row.gatewayID == id && row.attempts == 2, "the gateway's first id: one message")
                #expect(seen.duplicates == 1 && seen.accepted.count == 1 && seen.bodies.values.allSatisfy { $0 == 1 })
                #expect(seen.forged == 0)
            }
        }
    }

    @Test("a request with a forged signature or an old timestamp is refused by the gateway: the sender's own verify")
    func signature() throws {
        let body = Data(#"{"id":1}"#.utf8)
        #expect(
            NoticeSender.signature(secret: Self.secret, timestamp: "1800000000", body: body)
                == Self.hmac(timestamp: "1800000000", body: body))
        #expect(
            NoticeSender.signature(secret: Self.secret, timestamp: "1800000001", body: body)
                != Self.hmac(timestamp: "1800000000", body: body))
        #expect(NoticeSender.backOff(after: 1, base: 30, max: 3600) == 30 && NoticeSender.backOff(after: 3, base: 30, max: 3600) == 120)
        #expect(NoticeSender.backOff(after: 20, base: 30, max: 3600) == 3600)
    }
}
