import ArgumentParser
import Foundation
import Ledger
import Storage

/// Options shared by every command that works on the ledger file.
struct LedgerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The ledger's SQLite file (default: $FASTCERT_DATABASE, else ./fastcert.sqlite).", valueName: "path"))
    var database: String?

    /// Gone: kept only to say how rules change now (``rulesMoved``).
    @Option(help: .hidden) var rules: String?

    /// The stores of the ledger at the database location, as the protocols the commands speak
    /// (``Stores``): the command line's composition root, the one place that names a concrete store
    /// (SQLite today; a `postgres://` location is where a city's backend plugs in). They decide
    /// under the rules in force in the database. `vault` seals templates (nil for commands that
    /// never touch them). Fails with a one-line reason.
    func open(vault: TemplateVault? = nil) throws -> Stores {
        ServiceStore(ledger: try openLedger(), vault: vault).stores
    }

    /// The ledger store on the rules in force in the database (``LedgerStore/inForce(database:)``).
    func openLedger() throws -> LedgerStore {
        if rules != nil { throw CommandFailure.input(Self.rulesMoved) }
        let database = try openDatabase()
        do {
            return try LedgerStore.inForce(database: database)
        } catch let error as LedgerError {
            throw CommandFailure.input("the rules in force in \(databasePath) cannot be used: \(error.message) [\(error.code.rawValue)]")
        }
    }

    /// The stores on an opened database and a ledger store (``open(vault:)``; the service's start).
    static func stores(ledger: LedgerStore, vault: TemplateVault?) -> Stores {
        ServiceStore(ledger: ledger, vault: vault).stores
    }

    /// What `--rules FILE` (and the service's rules setting) answers now.
    static let rulesMoved =
        "--rules is gone: the rules in force are kept in the database (fastcert rules show); to change them, "
        + "fastcert rules propose FILE --reason ... and a second operator's fastcert rules approve ID"

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
    if report.held > 0 { summary += ", \(report.held) held for review (\(report.heldWhy.joined(separator: "; ")))" }
    if !report.changes.isEmpty {
        summary += "; ledger changes: " + report.changes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
    if !report.committed { summary += " (strict: nothing was written)" }
    print(summary)
    if !report.problems.isEmpty { throw ExitCode(4) }
}
