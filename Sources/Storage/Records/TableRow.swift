import GRDB

/// A record type of one table: Codable, its properties the table's columns in camel case
/// (`secretSha256` is `secret_sha256`).
protocol TableRow: Codable, Sendable, FetchableRecord, TableRecord, EncodableRecord {}

extension TableRow {
    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}

/// A record the city-scale loops (the person import, the sweep, the evidence rules) write row
/// by row, millions at a time: its insert is one prepared statement with its values in column
/// order. GRDB's `insert(_:)` encodes the record into a container on every call, which doubled
/// the 2,000,000-person import and the worst-case sweep (measured: 50 s to 115 s, 51 s to 102 s).
protocol FastInsertable: TableRow {
    /// `INSERT INTO table (columns) VALUES (?, ...)` with the table's conflict clause.
    static var insertSQL: String { get }
    /// The values in the order of ``insertSQL``'s columns.
    var insertArguments: StatementArguments { get }
}

extension FastInsertable {
    /// Inserts through the connection's cached statement; `db.changesCount` is 0 when the
    /// conflict clause skipped the row.
    func insertFast(_ db: Database) throws {
        try db.cachedStatement(sql: Self.insertSQL).execute(arguments: insertArguments)
    }
}
