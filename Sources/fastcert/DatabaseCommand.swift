import ArgumentParser
import Ledger
import Storage

/// `fastcert db migrate`
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the ledger's database file.", subcommands: [Migrate.self, Status.self, Prune.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the database file if needed and apply every migration.")

        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let database = try ledger.openDatabase()
                print("migrations applied: \(try database.appliedMigrations().joined(separator: ", "))")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The migrations applied and the rows in each table.")

        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let database = try ledger.openDatabase()
                print("migrations: \(try database.appliedMigrations().joined(separator: ", "))")
                for (table, rows) in try database.tableCounts() { print("\(table): \(rows)") }
            }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete what the service keeps only to serve requests, once past its retention (serve does it daily).",
            discussion: """
                Liveness sessions and their frames' hashes, idempotent responses, signed requests' nonces; in small
                transactions, so a running service is not held up. Never the ledger's events, evidence or verification attempts: \
                past their periods an evidence row loses its payload, an attempt its device, a delivered notice its text and \
                recipient (docs/privacy.md); and the face templates of persons whose death is final past the rules' \
                data_retention.template_retention_days are deleted, recorded.
                """)
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "Keep liveness sessions (and their frames' hashes) this many days.") var sessionDays = Retention().sessionDays
        @Option(help: "Keep idempotent responses this many days.") var idempotencyDays = Retention().idempotencyDays
        @Option(help: "Keep signed requests' nonces this many hours.") var nonceHours = Retention().nonceHours
        @Option(help: "Clear verification attempts' devices after this many days.") var attemptDays = Retention().attemptDays
        @Option(help: "Clear delivered notices' text and recipient after this many days.") var noticeDays = Retention().noticeDays
        @Option(help: "Clear evidence payloads this many days after they were received.")
        var evidencePayloadDays = Retention().evidencePayloadDays

        func validate() throws {
            if let why = retention.belowFloor { throw ValidationError(why) }
        }

        var retention: Retention {
            var retention = Retention()
            retention.sessionDays = sessionDays
            retention.idempotencyDays = idempotencyDays
            retention.nonceHours = nonceHours
            retention.attemptDays = attemptDays
            retention.noticeDays = noticeDays
            retention.evidencePayloadDays = evidencePayloadDays
            return retention
        }

        func run() async throws {
            try await reportingFailures {
                let report = try await ledger.open().daily.prune(retention)
                print(
                    "pruned: \(report.sessions) liveness sessions (\(report.frames) frame hashes), \(report.idempotentResponses) idempotent responses, \(report.nonces) nonces; cleared \(report.payloads) evidence payloads, \(report.attempts) attempts' devices, \(report.notices) notices' texts; deleted \(report.templates) face templates (death final)"
                )
            }
        }
    }
}
