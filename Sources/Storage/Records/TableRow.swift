import GRDB

/// A record type of one table: Codable, its properties the table's columns in camel case
/// (`secretSha256` is `secret_sha256`).
protocol TableRow: Codable, Sendable, FetchableRecord, TableRecord, EncodableRecord {}

extension TableRow {
    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}
