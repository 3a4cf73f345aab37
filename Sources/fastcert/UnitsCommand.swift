import ArgumentParser

/// `fastcert units import FILE [--strict]`
struct UnitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "units", abstract: "The four-level unit tree: city, district, street, community.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import units from CSV: code,name,level,parent_code (parents before children).")

        @Argument(help: ArgumentHelp("The CSV file.", valueName: "file")) var file: String
        @Flag(help: "All or nothing: write no row if any row is bad.") var strict = false
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let store = try ledger.open()
                try finish(
                    try await store.registry.importUnits(csv: String(decoding: try readInput(file), as: UTF8.self), strict: strict),
                    what: "units")
            }
        }
    }
}
