import Foundation
import GRDB
import Ledger

/// The ledger's SQLite database over any GRDB `DatabaseWriter`: in production one `DatabasePool`
/// per process on a file (WAL, so the CLI and the server can read while one of them writes),
/// `synchronous=FULL`, a busy timeout; in tests a `DatabaseQueue` in memory will do. Named
/// migrations never change once shipped; opening migrates.
public struct AppDatabase: Sendable {
    let writer: any DatabaseWriter
    /// The file (nil for a writer in memory): each page of a download reads on a read-only
    /// connection of its own (``downloadPage()``), at most two at once (``downloadGate``).
    let path: String?
    /// Two download pages at a time: each opens a connection, and a client may ask for many.
    let downloadGate = Gate(permits: 2)

    /// `fastcert_may_move(status, last_certified, deadline, service_period_months, observed_day)`:
    /// ``DeferralRules/mayMove(_:on:)`` for SQL, so the batch import's filter and the rule are one.
    /// A value that cannot be read answers true (the row is then applied in Swift, which decides).
    static let mayMove = DatabaseFunction("fastcert_may_move", argumentCount: 5, pure: true) { values in
        guard let status = String.fromDatabaseValue(values[0]).flatMap(PersonLedger.Status.init(rawValue:)),
            let deadline = String.fromDatabaseValue(values[2]).flatMap(Day.init), let period = Int.fromDatabaseValue(values[3]),
            let observed = String.fromDatabaseValue(values[4]).flatMap(Day.init)
        else { return true }
        let ledger = PersonLedger(
            status: status, servicePeriodMonths: period, lastCertified: String.fromDatabaseValue(values[1]).flatMap(Day.init),
            deadline: deadline, suspendedOn: nil, deathDay: nil)
        return DeferralRules.mayMove(ledger, on: observed)
    }

    /// Opens (creating if needed) and migrates the database file at `path`, as one `DatabasePool`.
    public init(path: String) throws {
        // Created 0600 before SQLite opens it (its -wal and -shm files take the same mode).
        try PrivateFile.createEmptyIfMissing(path, what: "the database file")
        let writer = try DatabasePool(path: path, configuration: Self.makeConfiguration())
        // GRDB sets `synchronous = NORMAL` when it puts a new pool in WAL mode, after
        // `prepareDatabase`: the writer's FULL is set again here, so a committed batch survives a
        // power cut as the configuration says.
        try writer.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        try Self.migrator.migrate(writer)
        self.init(writer: writer, path: path)
    }

    /// Migrates and wraps a writer made with ``makeConfiguration()`` (which registers the SQL
    /// functions the stores use).
    public init(_ writer: any DatabaseWriter) throws {
        try Self.migrator.migrate(writer)
        self.init(writer: writer, path: nil)
    }

    private init(writer: any DatabaseWriter, path: String?) {
        self.writer = writer
        self.path = path
    }

    /// A read-only connection for one page of a download (``leanConfiguration()``), closed when
    /// released: walking a city's payroll run through the writer's readers would leave hundreds of
    /// megabytes of its pages resident in each, and a connection kept open would outlive the
    /// writer's, which then could not checkpoint and remove the WAL when the database closes.
    /// Nil in memory.
    func downloadPage() throws -> DatabaseQueue? {
        try path.map { try DatabaseQueue(path: $0, configuration: Self.leanConfiguration()) }
    }

    /// Each connection's page cache and memory-mapped reads (``makeConfiguration()``).
    static let cachePragmas = "PRAGMA cache_size = -262144; PRAGMA mmap_size = 268435456"

    /// A download page's connection: read-only, a 2 MiB page cache, no mapping (a 2,000,000-line
    /// payroll CSV grows the service by megabytes, not by the 256 MiB cache and 256 MiB mapping of
    /// a reader; docs/benchmarks.md).
    static func leanConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(15)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -2048; PRAGMA mmap_size = 0")
        }
        return configuration
    }

    /// The connection settings every writer of this database needs.
    public static func makeConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(15)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            db.add(function: Self.mayMove)
            try AuditChainFunctions.register(db)
            // FULL: a committed batch survives a power cut. A 256 MiB page cache and 256 MiB of memory-mapped
            // reads per connection keep a city's ledger (millions of rows) from being read page by page.
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY; " + Self.cachePragmas)
        }
        return configuration
    }

    /// The migrations applied to this file, in order.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Rows per table, for `fastcert db status`.
    public func tableCounts() throws -> [(table: String, rows: Int)] {
        try writer.read { db in
            try [
                "unit", "person", "evidence", "ledger_event", "task", "outbox", "api_key", "face_template", "enrollment_event",
                "verification_attempt", "payroll_line", "recovery", "benefit_amount", "refund",
            ].map {
                table in
                (table, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0)
            }
        }
    }

    /// Every migration, by name. Never edit a shipped one: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        registerMigrations1to6(&migrator)
        registerMigrations7to10(&migrator)
        registerMigrations11to15(&migrator)
        registerMigrations16to17(&migrator)
        registerMigrations19(&migrator)
        registerMigration21(&migrator)
        registerMigrations22(&migrator)
        // The audit chain after the migrations that rebuilt `decision` (21) and added columns (22),
        // none of them shipped before it: its triggers are built from the final columns and it
        // chains the rows as they then are. Names are labels; this order is the order applied.
        registerMigration20(&migrator)
        registerMigration23(&migrator)
        registerMigration24(&migrator)
        registerMigration25(&migrator)
        registerMigration26(&migrator)
        registerMigration27(&migrator)
        registerMigration28(&migrator)
        registerMigration29(&migrator)
        registerMigration30(&migrator)
        registerMigration31(&migrator)
        return migrator
    }
}

extension AppDatabase {
    /// The single integer a read-only query returns (tests and diagnostics).
    public func count(_ sql: String) async throws -> Int {
        try await writer.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    /// The text column a read-only query returns, row by row (tests and diagnostics).
    public func texts(_ sql: String) async throws -> [String] {
        try await writer.read { db in try String.fetchAll(db, sql: sql) }
    }
}

/// At most `permits` holders at once; the others wait their turn, in order.
actor Gate {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { free = permits }

    /// Runs `body` holding a permit.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if free > 0 {
            free -= 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        defer {
            if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
