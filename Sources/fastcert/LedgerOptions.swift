import ArgumentParser
import Foundation
import Ledger
import Storage

/// Options shared by every command that works on the ledger file.
struct LedgerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The ledger's SQLite file (default: $FASTCERT_DATABASE, else ./fastcert.sqlite).", valueName: "path"))
    var database: String?

    @Option(
        help: ArgumentHelp(
            "An edited copy of the evidence catalogue and rules (default: the shipped ledger-rules.json).", valueName: "file"))
    var rules: String?

    /// The stores of the ledger at the database location, as the protocols the commands speak
    /// (``Stores``): the command line's composition root, the one place that names a concrete store
    /// (SQLite today; a `postgres://` location is where a city's backend plugs in). `vault` seals
    /// templates (nil for commands that never touch them). Fails with a one-line reason.
    func open(vault: TemplateVault? = nil) throws -> Stores {
        try Self.stores(database: try openDatabase(), rules: try loadRules(), vault: vault)
    }

    /// The stores on an opened database (``open(vault:)``; the enrollment benchmark's own file).
    static func stores(database: AppDatabase, rules: LedgerRules, vault: TemplateVault?) throws -> Stores {
        ServiceStore(ledger: LedgerStore(database: database, rules: rules), vault: vault).stores
    }

    /// The evidence catalogue and rules: `--rules`, else the shipped ones.
    func loadRules() throws -> LedgerRules {
        do throws(LedgerError) {
            if let path = self.rules { return try LedgerRules.load(URL(filePath: path)) }
            return try LedgerRules.shipped()
        } catch {
            throw CommandFailure.input(error.message)
        }
    }

    /// The database file: `--database`, else `$FASTCERT_DATABASE`, else `./fastcert.sqlite`.
    var databasePath: String {
        database ?? ProcessInfo.processInfo.environment["FASTCERT_DATABASE"].flatMap { $0.isEmpty ? nil : $0 } ?? "fastcert.sqlite"
    }

    func openDatabase() throws -> AppDatabase {
        let path = databasePath
        do {
            return try AppDatabase(path: path)
        } catch {
            throw CommandFailure.input("cannot open the ledger database \(path): \(error)")
        }
    }
}

/// Reads a whole input file as bytes, or fails with a one-line reason.
func readInput(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandFailure.input("cannot read \(path): no such file, or not readable")
    }
    return Array(data)
}

/// Prints an import's summary and problems; a refused file or any problem gives exit status 4 so
/// scripts notice, after the good rows were committed.
func finish(_ report: ImportReport, what: String) throws {
    for problem in report.problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
    var summary = "\(what): \(report.imported) imported, \(report.alreadyPresent) already present, \(report.problems.count) refused"
    if !report.changes.isEmpty {
        summary += "; ledger changes: " + report.changes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
    if !report.committed { summary += " (strict: nothing was written)" }
    print(summary)
    if !report.problems.isEmpty { throw ExitCode(4) }
}
