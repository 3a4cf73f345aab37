import ArgumentParser
import Foundation
import Ledger

/// `fastcert keys create|list|revoke`: the service's callers.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke the keys callers of the HTTP service present.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; it is printed once and only its hash is stored.",
            discussion: """
                Roles: kiosk and mobile verify faces; operator manages persons, enrollments and tasks; feed adds evidence;
                auditor reads. Every key is scoped to a unit's subtree (--unit 3702 for the whole city).
                """)
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "kiosk, mobile, operator, feed or auditor.") var role: APIKey.Role
        @Option(help: "The unit whose subtree the key covers.") var unit: String
        @Option(help: "Who or what holds the key (a kiosk's location, a department).") var name: String
        @Flag(help: "Kiosk keys only: refuse requests that are not HMAC-signed.") var requireSignature = false
        @Option(
            help: "Feed keys only (required): the departments whose evidence the key delivers, comma-separated (police,civil_affairs)."
        )
        var sources: String?

        func run() async throws {
            let store = try ledger.open()
            do {
                let (key, text, signingSecret) = try await store.keys.createKey(
                    name: name, role: role, unit: unit, requireSignature: requireSignature,
                    sources: sources?.split(separator: ",").map(String.init) ?? [])
                FileHandle.standardError.write(
                    Data(
                        "created \(key.role.rawValue) key \(key.id) for unit \(key.unitCode); it is shown only now\(signingSecret == nil ? "" : " (line 1: the bearer key; line 2: the signing secret, which never travels)"):\n"
                            .utf8))
                print(text)
                if let signingSecret { print(signingSecret) }
            } catch let error as LedgerError {
                throw CommandFailure.input(error.message)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            let store = try ledger.open()
            do {
                print("id\trole\tunit\tname\tcreated\trevoked\tsigned\tsources")
                for key in try await store.keys.keys() {
                    print(
                        [
                            key.id, key.role.rawValue, key.unitCode, key.name, key.createdAt, key.revokedAt ?? "-",
                            key.requireSignature ? "yes" : "no", key.sources.isEmpty ? "-" : key.sources.joined(separator: ","),
                        ]
                        .joined(separator: "\t"))
                }
            } catch let error as LedgerError {
                throw CommandFailure.input(error.message)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key at once.")
        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "The key's id (fc_...).") var id: String

        func run() async throws {
            let store = try ledger.open()
            do {
                try await store.keys.revokeKey(id)
                print("revoked \(id)")
            } catch let error as LedgerError {
                throw CommandFailure.input(error.message)
            }
        }
    }
}

extension APIKey.Role: ExpressibleByArgument {}
