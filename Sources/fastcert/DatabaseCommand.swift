import ArgumentParser

/// `fastcert db migrate`
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the ledger's database file.", subcommands: [Migrate.self, Status.self])

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
}
