import ArgumentParser
import AsyncHTTPClient
import Foundation
import Ledger
import Logging

/// `fastcert outbox list|send|mark-sent`
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Notices to pensioners waiting for the SMS / WeChat sender (docs/notices.md).",
        subcommands: [List.self, Send.self, MarkSent.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Notices not yet delivered, oldest first (tab-separated).",
            discussion: """
                Columns: id, kind, channel, state (pending, sending, failed: to be tried again, delivered, dead: given up),
                attempts, recipient, resident ID, delivered at (or unsent), the last error, the text (line breaks as \\n).
                """)
        @Flag(help: "Include those already delivered.") var all = false
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                for m in try await ledger.open().casework.outbox(includeSent: all) {
                    let fields = [
                        "\(m.id)", m.kind, m.channel, m.state, "\(m.attempts)", m.recipient, m.personID, m.sentAt ?? "unsent",
                        m.lastError ?? "",
                        m.message.replacingOccurrences(of: "\n", with: "\\n"),
                    ]
                    print(fields.map { $0.replacingOccurrences(of: "\t", with: " ") }.joined(separator: "\t"))
                }
            }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver the outbox to the SMS/WeChat gateway's webhook.",
            discussion: """
                Each notice is POSTed as JSON (id, channel, recipient, language, text) with Idempotency-Key (the notice id),
                X-FastCert-Timestamp and X-FastCert-Signature (sha256=HMAC-SHA256 of "<timestamp>.<body>" under the secret).
                Failed tries are retried with back-off, then dead-lettered; any number of senders may run on one ledger
                (each notice is claimed by one). Runs until stopped, or with --once until nothing is due.
                """)
        @Option(help: ArgumentHelp("The gateway's webhook.", valueName: "url")) var webhook: String
        @Option(help: ArgumentHelp("The file holding the signing secret (16 bytes or more).", valueName: "file")) var secretFile: String
        @Flag(help: "Deliver what is due, then stop (failed notices wait for their next try).") var once = false
        @Option(help: "Tries before a notice is dead-lettered.") var maxAttempts = 6
        @Option(help: "Seconds before the first retry (doubled each try, at most an hour).") var baseDelay: Double = 30
        @Option(help: "Seconds a request may take.") var timeout: Double = 10
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                var configuration = try NoticeSender.configuration(webhook: webhook, secretFile: secretFile)
                configuration.maxAttempts = maxAttempts
                configuration.baseDelay = baseDelay
                configuration.maxDelay = max(3600, baseDelay)
                configuration.timeout = timeout
                configuration.lease = Int(timeout) + 50
                if let problem = configuration.problem { throw CommandFailure.input(problem) }
                let client = HTTPClient(eventLoopGroupProvider: .singleton)
                let sender = NoticeSender(
                    store: try ledger.openLedger(), client: client, configuration: configuration, logger: Logger(label: "fastcert.notices"))
                do {
                    if once {
                        let round = try await sender.drain()
                        print(
                            "\(round.delivered) delivered, \(round.retried) to be tried again, \(round.dead) dead-lettered, "
                                + "\(round.lost) taken over by another sender")
                    } else {
                        while true {
                            let round = try await sender.sendDue()
                            if round.claimed > 0 {
                                print("\(round.delivered) delivered, \(round.retried) to be tried again, \(round.dead) dead-lettered")
                            } else {
                                try await Task.sleep(for: .seconds(configuration.idle))
                            }
                        }
                    }
                } catch {
                    try? await client.shutdown()
                    throw error
                }
                try await client.shutdown()
            }
        }
    }

    struct MarkSent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark-sent", abstract: "Record that the sender delivered these messages.")
        @Argument(help: "Message ids.") var ids: [Int64]
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let notWaiting = try await ledger.open().casework.markSent(ids)
                print("\(ids.count - notWaiting.count) marked sent")
                if !notWaiting.isEmpty {
                    throw CommandFailure.input(
                        "not waiting (unknown or already sent): \(notWaiting.map(String.init).joined(separator: ", "))")
                }
            }
        }
    }
}

extension NoticeSender {
    /// The settings for `webhook`, its secret read from `secretFile` (trailing line breaks dropped).
    static func configuration(webhook: String, secretFile: String) throws -> Configuration {
        guard let url = URL(string: webhook) else { throw CommandFailure.input("the webhook '\(webhook)' is not a URL") }
        let secret: Data
        do {
            secret = try Data(contentsOf: URL(filePath: secretFile))
        } catch {
            throw CommandFailure.input("cannot read the webhook secret file \(secretFile)")
        }
        var trimmed = secret
        while let last = trimmed.last, last == 10 || last == 13 { trimmed.removeLast() }
        return Configuration(webhook: url, secret: trimmed)
    }
}
