import ArgumentParser
import Foundation
import Ledger

/// `fastcert outbox list|mark-sent`
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Reminders waiting for the SMS / WeChat sender.", subcommands: [List.self, MarkSent.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reminders not yet sent, oldest first (tab-separated).")
        @Flag(help: "Include those already sent.") var all = false
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                for m in try await ledger.open().casework.outbox(includeSent: all) {
                    print("\(m.id)\t\(m.channel)\t\(m.recipient)\t\(m.personID)\t\(m.sentAt ?? "unsent")\t\(m.message)")
                }
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
