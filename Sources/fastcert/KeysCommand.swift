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
                auditor reads; camera sends sightings; staff is a community worker's device (--unit COMMUNITY --holder NAME: \
                it lists the community's visits with their codes and runs assisted verifications at home). Every key is scoped to a unit's subtree (--unit 3702 for the whole city). An operator key is \
                issued to a named person (--holder: a staff ID or name), recorded on everything it does; four eyes compares \
                holders, so a second key of the same holder is still the same pair of eyes. Keys are issued by local \
                administration only (the machine's account, recorded as the key's creator), never by another key: a key \
                cannot mint a second pair of eyes or a wider reach.
                """)
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "kiosk, mobile, operator, feed, auditor, camera or staff.") var role: APIKey.Role
        @Option(help: "The unit whose subtree the key covers.") var unit: String
        @Option(help: "What the key is for (a kiosk's location, a department, an office; a staff key: the holder's name if left out).")
        var name: String?
        @Option(help: "The person the key is issued to (operator and staff keys: required; a staff ID or name).") var holder: String?
        @Flag(help: "Kiosk keys only: refuse requests that are not HMAC-signed.") var requireSignature = false
        @Option(
            help: "Feed keys only (required): the departments whose evidence the key delivers, comma-separated (police,civil_affairs)."
        )
        var sources: String?

        func run() async throws {
            try await reportingFailures {
                let store = try ledger.open()
                let (key, text, signingSecret) = try await store.keys.createKey(
                    name: name ?? (role == .staff ? holder ?? "" : ""), role: role, unit: unit, requireSignature: requireSignature,
                    sources: sources?.split(separator: ",").map(String.init) ?? [], holder: holder,
                    by: ActorID.systemAccount.description)
                FileHandle.standardError.write(
                    Data(
                        "created \(key.role.rawValue) key \(key.id) for unit \(key.unitCode); it is shown only now\(signingSecret == nil ? "" : " (line 1: the bearer key; line 2: the signing secret, which never travels)"):\n"
                            .utf8))
                print(text)
                if let signingSecret { print(signingSecret) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let store = try ledger.open()
                print("id\trole\tunit\tname\tholder\tcreated\trevoked\tsigned\tsources")
                for key in try await store.keys.keys() {
                    print(
                        [
                            key.id, key.role.rawValue, key.unitCode, key.name, key.holder ?? "-", key.createdAt, key.revokedAt ?? "-",
                            key.requireSignature ? "yes" : "no", key.sources.isEmpty ? "-" : key.sources.joined(separator: ","),
                        ]
                        .joined(separator: "\t"))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key at once.")
        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "The key's id (fc_...).") var id: String

        func run() async throws {
            try await reportingFailures {
                let store = try ledger.open()
                try await store.keys.revokeKey(id)
                print("revoked \(id)")
            }
        }
    }
}

extension APIKey.Role: ExpressibleByArgument {}
