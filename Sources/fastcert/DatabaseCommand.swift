import ArgumentParser

/// `fastcert db migrate`
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the ledger's database file.", subcommands: [Migrate.self])

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
}
