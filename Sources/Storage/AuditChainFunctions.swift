import Foundation
import GRDB
import GRDBSQLite
import Ledger

/// The audit chain's SQL functions, registered on every connection of ``AppDatabase``
/// (``AppDatabase/makeConfiguration()``) and called by the chain's triggers for every covered row
/// written: `fastcert_row_sha256(v1, ...)` (``AuditChain/contentDigest(_:)``) and
/// `fastcert_chain_link(previous, table, key, op, at, content[, prior])`
/// (``AuditChain/link(previous:table:key:operation:at:content:)``), and `fastcert_now()`. They are
/// registered on SQLite's C interface and hash the values' bytes where SQLite holds them (GRDB's
/// `DatabaseFunction` makes a `DatabaseValue`, a `String` for text, of each first). Same encoding,
/// same rules: `AuditChainTests` checks the two against each other. Most of the chain's cost is
/// SQLite's own (the entry's insert), not these (docs/audit.md).
enum AuditChainFunctions {
    static func register(_ db: Database) throws {
        let deterministic = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        for (name, arguments, flags, function) in [
            ("fastcert_row_sha256", Int32(-1), deterministic, rowDigest), ("fastcert_chain_link", 6, deterministic, chainLink),
            ("fastcert_chain_link", 7, deterministic, chainLink),
            ("fastcert_now", 0, SQLITE_UTF8, now),
        ] {
            let code = sqlite3_create_function_v2(db.sqliteConnection, name, arguments, flags, nil, function, nil, nil, nil)
            guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register \(name)") }
        }
    }

    typealias Function = @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void

    /// `fastcert_now()`: unix seconds, an entry's `at`. In the sqlite3 shell (3.40.1) a trigger
    /// with `strftime('%s', 'now')` had not inserted 500,000 rows after two minutes (2.4 s without).
    static let now: Function = { context, _, _ in
        sqlite3_result_int64(context, Int64(Date().timeIntervalSince1970))
    }

    /// The row's values, trailing NULLs left out.
    static let rowDigest: Function = { context, count, values in
        guard let values else { return }
        var last = Int(count)
        while last > 0 && sqlite3_value_type(values[last - 1]) == SQLITE_NULL { last -= 1 }
        var hasher = AuditChain.Hasher()
        for index in 0..<last { append(values[index], to: &hasher) }
        result(hasher.finalize(), context)
    }

    /// previous (NULL: the first entry), table, key, op, at, content.
    static let chainLink: Function = { context, count, values in
        guard let values, count == 6 || count == 7, sqlite3_value_type(values[1]) == SQLITE_TEXT,
            sqlite3_value_type(values[3]) == SQLITE_TEXT,
            sqlite3_value_type(values[4]) == SQLITE_INTEGER, sqlite3_value_type(values[5]) == SQLITE_BLOB
        else {
            sqlite3_result_error(context, "fastcert_chain_link: a malformed entry", -1)
            return
        }
        var hasher = AuditChain.Hasher()
        if sqlite3_value_type(values[0]) == SQLITE_NULL {
            hasher.appendBlob(UnsafeRawBufferPointer(start: nil, count: 0))
        } else {
            appendBytes(values[0], blob: true, to: &hasher)
        }
        appendBytes(values[1], blob: false, to: &hasher)
        append(values[2], to: &hasher)
        appendBytes(values[3], blob: false, to: &hasher)
        hasher.appendInteger(sqlite3_value_int64(values[4]))
        appendBytes(values[5], blob: true, to: &hasher)
        // An update's or delete's prior content (a NULL one hashes as the six-argument form).
        if count == 7 && sqlite3_value_type(values[6]) == SQLITE_BLOB { appendBytes(values[6], blob: true, to: &hasher) }
        result(hasher.finalize(), context)
    }

    /// One value, by its storage class.
    static func append(_ value: OpaquePointer?, to hasher: inout AuditChain.Hasher) {
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER: hasher.appendInteger(sqlite3_value_int64(value))
        case SQLITE_FLOAT: hasher.appendReal(sqlite3_value_double(value))
        case SQLITE_TEXT: appendBytes(value, blob: false, to: &hasher)
        case SQLITE_BLOB: appendBytes(value, blob: true, to: &hasher)
        default: hasher.appendNull()
        }
    }

    /// Text (its UTF-8 bytes) or a blob, read in place.
    private static func appendBytes(_ value: OpaquePointer?, blob: Bool, to hasher: inout AuditChain.Hasher) {
        let start = blob ? sqlite3_value_blob(value) : UnsafeRawPointer(sqlite3_value_text(value))
        let bytes = UnsafeRawBufferPointer(start: start, count: Int(sqlite3_value_bytes(value)))
        if blob { hasher.appendBlob(bytes) } else { hasher.appendText(bytes) }
    }

    private static func result(_ digest: Data, _ context: OpaquePointer?) {
        digest.withUnsafeBytes { bytes in
            // SQLITE_TRANSIENT: SQLite copies the 32 bytes.
            sqlite3_result_blob(context, bytes.baseAddress, Int32(bytes.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        }
    }
}
