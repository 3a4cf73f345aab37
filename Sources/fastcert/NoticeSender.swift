import AsyncHTTPClient
import Crypto
import Foundation
import Ledger
import Logging
import NIOCore
import NIOFoundationCompat
import ServiceLifecycle
import Storage

/// Delivers the outbox through the bureau's SMS/WeChat gateway, a webhook (docs/notices.md).
///
/// Each notice is one `POST` of the JSON `{"id", "channel", "recipient", "language", "text"}`
/// with the headers `Idempotency-Key` (the notice's id: a gateway deduplicates by it),
/// `X-FastCert-Timestamp` (Unix seconds) and `X-FastCert-Signature: sha256=<hex>`, the
/// HMAC-SHA256 under the shared secret of `<timestamp>.<body>`. A 2xx is delivered (the answer's
/// `message_id` kept as the receipt); a 4xx whose JSON `error` is `invalid_recipient` is dead at
/// once; anything else (another 4xx, a 5xx, a timeout, no connection) is tried again after
/// `baseDelay` doubled per try (at most `maxDelay`), and is dead after `maxAttempts` tries.
///
/// Exactly once per notice across processes: a sender claims notices in one write transaction
/// with a lease (``LedgerStore/claimOutbox(by:limit:lease:maxAttempts:now:)``), records the
/// outcome only while the lease is its own, and a crashed sender's notices are taken over when
/// the lease ends. A sender that crashes after the gateway took a notice and before it recorded
/// it makes the next sender post it again, with the same `Idempotency-Key`: the gateway's
/// deduplication makes that one message.
struct NoticeSender: Sendable {
    struct Configuration: Sendable {
        var webhook: URL
        var secret: Data
        /// Notices claimed (and posted at once) per round.
        var batch = 10
        var maxAttempts = 6
        var baseDelay: TimeInterval = 30
        var maxDelay: TimeInterval = 3600
        /// One request's limit.
        var timeout: TimeInterval = 10
        /// How long a claim holds: more than a request's timeout, so a live sender's notice is
        /// never taken over while its request may still succeed.
        var lease: Int = 60
        /// Pause between rounds when nothing was due.
        var idle: TimeInterval = 5

        /// Why these settings cannot work, or nil.
        var problem: String? {
            guard let scheme = webhook.scheme?.lowercased(), scheme == "https" || scheme == "http", let host = webhook.host else {
                return "the webhook must be an http(s) URL, not \(webhook)"
            }
            // Plain HTTP would let anyone on the way read the texts and forge the gateway's receipts.
            if scheme == "http" && !["localhost", "127.0.0.1", "::1", "[::1]"].contains(host) {
                return "the webhook must be https (plain http only to this machine)"
            }
            if secret.count < 16 { return "the webhook secret must be at least 16 bytes" }
            if !(1...100).contains(batch) { return "the batch must be 1 to 100" }
            if !(1...50).contains(maxAttempts) { return "max attempts must be 1 to 50" }
            if !(timeout > 0) || Double(lease) <= timeout + 5 { return "the lease must be longer than the request timeout plus 5 s" }
            if !(baseDelay > 0) || maxDelay < baseDelay { return "the back-off delays must be positive, the largest not below the first" }
            return nil
        }
    }

    /// What one round did.
    struct Round: Sendable, Equatable {
        var claimed = 0, delivered = 0, retried = 0, dead = 0, lost = 0
    }

    let store: LedgerStore
    let client: HTTPClient
    let configuration: Configuration
    let logger: Logger
    /// Who claims: host, pid and a token of its own.
    var owner = "sender \(ProcessInfo.processInfo.hostName) pid \(ProcessInfo.processInfo.processIdentifier) \(Data.randomHex(bytes: 4))"
    var now: @Sendable () -> Date = { Date() }

    /// The delay before try `attempts + 1`.
    static func backOff(after attempts: Int, base: TimeInterval, max: TimeInterval) -> TimeInterval {
        min(max, base * pow(2, Double(Swift.max(0, attempts - 1))))
    }

    /// The signature header's value for `body` sent at `timestamp`.
    static func signature(secret: Data, timestamp: String, body: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((timestamp + ".").utf8) + body, using: SymmetricKey(data: secret))
        return "sha256=" + Data(mac).hexString
    }

    /// The request body of a notice.
    static func body(_ notice: OutboxDelivery) throws -> Data {
        struct Body: Encodable {
            var id: Int64
            var channel: String
            var recipient: String
            var language: String
            var text: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(
            Body(id: notice.id, channel: notice.channel, recipient: notice.recipient, language: notice.language, text: notice.text))
    }

    /// One round: claims the due notices, posts them at once, records each outcome.
    func sendDue() async throws -> Round {
        let claimed = try await store.claimOutbox(
            by: owner, limit: configuration.batch, lease: configuration.lease, maxAttempts: configuration.maxAttempts, now: now())
        var round = Round(claimed: claimed.count)
        let outcomes = await withTaskGroup(of: (OutboxDelivery, DeliveryOutcome).self) { group in
            for notice in claimed { group.addTask { (notice, await self.deliver(notice)) } }
            var outcomes: [(OutboxDelivery, DeliveryOutcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        for (notice, outcome) in outcomes {
            guard try await store.finishDelivery(notice.id, by: owner, outcome: outcome, now: now()) else {
                round.lost += 1
                logger.warning("a notice's claim ran out before its outcome was recorded", metadata: ["notice": "\(notice.id)"])
                continue
            }
            switch outcome {
            case .delivered: round.delivered += 1
            case .retry: round.retried += 1
            case .dead(let error):
                round.dead += 1
                logger.error("notice dead-lettered", metadata: ["notice": "\(notice.id)", "error": "\(error)"])
            }
        }
        return round
    }

    /// Posts one notice; its outcome.
    func deliver(_ notice: OutboxDelivery) async -> DeliveryOutcome {
        let failure: String
        do {
            let body = try Self.body(notice)
            let timestamp = String(Int(now().timeIntervalSince1970))
            var request = HTTPClientRequest(url: configuration.webhook.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Idempotency-Key", value: String(notice.id))
            request.headers.add(name: "X-FastCert-Timestamp", value: timestamp)
            request.headers.add(
                name: "X-FastCert-Signature", value: Self.signature(secret: configuration.secret, timestamp: timestamp, body: body))
            request.body = .bytes(ByteBuffer(data: body))
            let response = try await client.execute(request, timeout: .milliseconds(Int64(configuration.timeout * 1000)))
            let answer = try await response.body.collect(upTo: 64 * 1024)
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: answer))) as? [String: Any]
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                return .delivered(gatewayID: (json?["message_id"] as? String).map { String($0.prefix(200)) })
            }
            let error = (json?["error"] as? String).map { String($0.prefix(100)) }
            if (400..<500).contains(status), error == "invalid_recipient" {
                return .dead(error: "the gateway refused the recipient (HTTP \(status) invalid_recipient)")
            }
            failure = "HTTP \(status)" + (error.map { " \($0)" } ?? "")
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            failure = "no answer within \(configuration.timeout) s"
        } catch {
            failure = "\(error)"
        }
        guard notice.attempts < configuration.maxAttempts else {
            return .dead(error: "\(failure), after \(notice.attempts) tries")
        }
        let delay = Self.backOff(after: notice.attempts, base: configuration.baseDelay, max: configuration.maxDelay)
        return .retry(error: failure, next: now().addingTimeInterval(delay))
    }

    /// Rounds until nothing is due (`--once`); returns the sum.
    func drain() async throws -> Round {
        var total = Round()
        while true {
            let round = try await sendDue()
            total.claimed += round.claimed
            total.delivered += round.delivered
            total.retried += round.retried
            total.dead += round.dead
            total.lost += round.lost
            if round.claimed == 0 { return total }
        }
    }
}

/// The sender as a service of `fastcert serve`'s group: rounds on its own task (never on an event
/// loop), pausing when nothing is due. At a graceful shutdown it claims nothing more and finishes
/// the round in flight (its requests and their outcomes), then closes its HTTP client.
struct NoticeSenderService: Service {
    let sender: NoticeSender

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var claimed = 0
            do {
                claimed = try await sender.sendDue().claimed
            } catch {
                sender.logger.error("notice sender round failed; it is retried", metadata: ["error": "\(error)"])
            }
            if claimed == 0 {
                await cancelWhenGracefulShutdown { try? await Task.sleep(for: .seconds(sender.configuration.idle)) }
            }
        }
        try await sender.client.shutdown()
    }
}
