import Crypto
import Foundation

/// The rules of the audit chain: how a row's content is serialized and hashed, how each entry
/// of the chain is linked to the one before, and what a walk of the chain concludes. A store keeps
/// the chain (Storage: the `audit_chain` table, appended by triggers on every covered table); the
/// rules are here so that the store that writes it and the check that reads it cannot disagree.
///
/// Each entry says that one row of a covered table was inserted (`I`), updated (`U`) or deleted
/// (`D`, a tombstone), with the SHA-256 of the row's content after the change (of nothing for a
/// tombstone) and the moment it was chained; its hash covers all of that and the previous entry's
/// hash, so changing, removing or inserting one entry breaks every hash after it. A row changed
/// without its entry (a trigger dropped) no longer matches its latest entry.
public enum AuditChain {
    /// What happened to a row.
    public enum Operation: String, Sendable, CaseIterable {
        case insert = "I", update = "U", delete = "D"
        /// The rows of a batched table inserted by one transaction, ids `first...last`, in one
        /// entry (``Batch``).
        case batch = "B"
    }

    /// A covered table and the changes the ledger makes to it: payroll runs and lines, recovery
    /// lines and ledger events are written once and never changed (the store refuses to, and a
    /// dropped trigger that lets an update through is still found: an update entry on such a
    /// table is itself a finding); decisions and recovery cases change status.
    public struct Table: Sendable, Hashable {
        public var name: String
        public var insertOnly: Bool
        /// Inserts are chained a transaction at a time (``Batch``), not a row at a time: the tables
        /// a sweep or a payroll run writes by the million. A row-at-a-time entry cost ~10 µs a row
        /// (a payroll run took twice as long); updates and deletes, which these tables never
        /// receive from the service, are still chained one by one, and are findings.
        public var batched: Bool
        /// The columns chained, in order; nil: every column. A person's money and identity are
        /// chained, not the ledger state the sweep rewrites every day (that state is checked
        /// against the person's chained events instead: ``LedgerStore/verifyChain()``).
        public var columns: [String]?
        /// The integer a batch's range is over: the table's `id`, or SQLite's `rowid` for a table
        /// keyed by text (a person's resident ID).
        public var batchKey: String
        /// A batch keeps every row's whole digest, not a mark: rows of this table change after
        /// their batch (a person's amount, on a decision), and their batch must still verify.
        public var keepsDigests: Bool

        public init(
            name: String, insertOnly: Bool, batched: Bool = false, columns: [String]? = nil, batchKey: String = "id",
            keepsDigests: Bool = false
        ) {
            self.name = name
            self.insertOnly = insertOnly
            self.batched = batched
            self.columns = columns
            self.batchKey = batchKey
            self.keepsDigests = keepsDigests
        }
    }

    /// The tables the chain covers: the money and what decided it.
    public static let tables: [Table] = [
        Table(name: "ledger_event", insertOnly: true, batched: true),
        Table(name: "decision", insertOnly: false),
        Table(name: "payroll_run", insertOnly: true),
        Table(name: "payroll_line", insertOnly: true, batched: true),
        // A supplementary run (migration 31): back pay between monthly runs, stored like a run.
        Table(name: "payroll_supplement", insertOnly: true),
        Table(name: "recovery", insertOnly: false),
        Table(name: "recovery_line", insertOnly: true),
        // What decides an amount and the rules: each month's amount in force (a changed history
        // changes what payroll pays), refund cases, and the rules versions and proposals.
        Table(name: "benefit_amount", insertOnly: true),
        Table(name: "refund", insertOnly: false),
        Table(name: "rules_version", insertOnly: false),
        // The checks of the chain themselves: the latest decides the tampering alert and whether
        // payroll runs (a check forged or removed behind the service is found by the next).
        Table(name: "audit_check", insertOnly: true),
        // What a camera's still decided (issue 30): a `confirmed` certifies through its evidence,
        // an `other_face` counts toward an alarm; never changed once recorded.
        Table(name: "sighting", insertOnly: true),
        // Whom the payroll pays and how much: until a person's first change of amount, the amount on
        // their record is the one paid.
        Table(
            name: "person", insertOnly: false, batched: true,
            columns: ["id", "name", "birth_date", "benefit_level", "monthly_amount_fen", "enrolled_on"], batchKey: "rowid",
            keepsDigests: true),
    ]

    /// A covered table by name.
    public static func table(_ name: String) -> Table? { tables.first { $0.name == name } }

    /// One value of a row, as SQLite stores it.
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob(Data)
    }

    /// The SHA-256 of a row's content: its values in column order, each tagged with its type and
    /// its length, trailing NULLs left out (a column added later, NULL in the rows before it,
    /// leaves their content unchanged). Text is its UTF-8 bytes, integers and reals eight bytes
    /// big-endian.
    public static func contentDigest(_ values: [Value]) -> Data {
        var hasher = Hasher()
        let count = (values.lastIndex { $0 != .null } ?? -1) + 1
        for value in values.prefix(count) { hasher.append(value) }
        return hasher.finalize()
    }

    /// The hash of a chain entry: the previous entry's hash (empty for the first), the table, the
    /// row's key, the operation, the moment (unix seconds) and the content digest.
    ///
    /// `prior`: for an update or delete (migration 24 on), the digest of the row as it was before
    /// the change, which must be the content its previous entry recorded. Without it, a row edited
    /// behind the triggers and then changed by the service would be chained as the edit left it
    /// (the later entry laundering the edit). Entries without one (before migration 24) hash as
    /// they always did.
    public static func link(
        previous: Data?, table: String, key: Value, operation: Operation, at: Int64, content: Data, prior: Data? = nil
    ) -> Data {
        var hasher = Hasher()
        hasher.append(.blob(previous ?? Data()))
        hasher.append(.text(table))
        hasher.append(key)
        hasher.append(.text(operation.rawValue))
        hasher.append(.integer(at))
        hasher.append(.blob(content))
        if let prior { hasher.append(.blob(prior)) }
        return hasher.finalize()
    }

    /// The content digest of a tombstone: of no values.
    public static let tombstone = contentDigest([])

    /// The tables whose inserts are chained a transaction at a time.
    public static let batchedTables = Set(tables.filter(\.batched).map(\.name))

    /// One entry for the rows a transaction inserted into a batched table: ids `first...last` in
    /// id order (at most ``limit`` rows; a larger transaction writes several entries). Its content
    /// digest covers the bounds, the count and every row's content digest in order, so a row
    /// changed, removed or added inside the range no longer matches. `marks` keeps the first
    /// ``markBytes`` bytes of each row's digest: not for the proof (the content digest is), but to
    /// name the row that no longer matches.
    public struct Batch {
        public static let limit = 65_536
        public static let markBytes = 8
        /// The bytes kept of each row's digest: ``markBytes``, or all 32 (``Table/keepsDigests``).
        public let width: Int

        public private(set) var first: Int64?
        public private(set) var last: Int64?
        public private(set) var count = 0
        public private(set) var marks = Data()
        private var rows = Hasher()

        public init(keepingDigests: Bool = false) { width = keepingDigests ? 32 : Self.markBytes }

        /// Adds the next row, in id order.
        public mutating func append(id: Int64, digest: Data) {
            digest.withUnsafeBytes { append(id: id, digest: $0) }
        }

        /// Adds the next row, in id order, its digest lent where it lies.
        public mutating func append(id: Int64, digest: UnsafeRawBufferPointer) {
            if first == nil {
                first = id
                marks.reserveCapacity(Self.limit * width)
            }
            last = id
            count += 1
            rows.appendBlob(digest)
            if let start = digest.baseAddress { marks.append(start.assumingMemoryBound(to: UInt8.self), count: min(width, digest.count)) }
        }

        /// The entry's content digest.
        public func content() -> Data {
            var hasher = Hasher()
            hasher.append(.integer(first ?? 0))
            hasher.append(.integer(last ?? 0))
            hasher.append(.integer(Int64(count)))
            hasher.append(.blob(rows.finalize()))
            return hasher.finalize()
        }

        /// The mark of the row at `index` (in id order), as ``append(id:digest:)`` recorded it.
        public static func mark(_ marks: Data, at index: Int, width: Int = markBytes) -> Data? {
            let start = marks.startIndex + index * width
            guard index >= 0, start + width <= marks.endIndex else { return nil }
            return Data(marks[start..<(start + width)])
        }

        /// A batch rebuilt from whole kept digests (``Table/keepsDigests``): its content digest
        /// follows from them alone, so the entry is checked without its rows.
        public static func rebuilt(first: Int64, last: Int64, digests: Data) -> Batch {
            var batch = Batch(keepingDigests: true)
            var index = 0
            while let digest = mark(digests, at: index, width: 32) {
                batch.append(id: first + Int64(index), digest: digest)
                index += 1
            }
            batch.first = first
            batch.last = last
            return batch
        }
    }

    /// SHA-256 over values in the chain's encoding, fed one at a time: each value a type tag, then
    /// an integer or real as eight bytes big-endian, text (UTF-8) or a blob as a four-byte length
    /// and its bytes. The raw appends let a store hash the bytes it holds without copying them
    /// into ``Value``s (the triggers hash every covered row as it is written).
    public struct Hasher {
        private var sha = SHA256()

        public init() {}

        public mutating func append(_ value: Value) {
            switch value {
            case .null: appendNull()
            case .integer(let v): appendInteger(v)
            case .real(let v): appendReal(v)
            case .text(let s):
                var s = s
                s.withUTF8 { appendText(UnsafeRawBufferPointer($0)) }
            case .blob(let d): d.withUnsafeBytes { appendBlob($0) }
            }
        }

        public mutating func appendNull() { header(0, 0, bytes: 0) }
        public mutating func appendInteger(_ v: Int64) { header(1, UInt64(bitPattern: v), bytes: 8) }
        public mutating func appendReal(_ v: Double) { header(2, v.bitPattern, bytes: 8) }

        /// Text as its UTF-8 bytes.
        public mutating func appendText(_ utf8: UnsafeRawBufferPointer) {
            header(3, UInt64(utf8.count), bytes: 4)
            sha.update(bufferPointer: utf8)
        }

        public mutating func appendBlob(_ bytes: UnsafeRawBufferPointer) {
            header(4, UInt64(bytes.count), bytes: 4)
            sha.update(bufferPointer: bytes)
        }

        public func finalize() -> Data { Data(sha.finalize()) }

        /// The digest's 32 bytes, lent to `body` without allocating (a batch hashes millions).
        public func finalize<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try sha.finalize().withUnsafeBytes(body)
        }

        /// A type tag and the last `bytes` bytes of `number`, big-endian, without allocating.
        private mutating func header(_ tag: UInt8, _ number: UInt64, bytes: Int) {
            var word = (tag, number.bigEndian)
            withUnsafeBytes(of: &word.0) { sha.update(bufferPointer: $0) }
            withUnsafeBytes(of: &word.1) { sha.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[(8 - bytes)...])) }
        }
    }

    /// One stored entry, as read back.
    public struct Entry: Sendable, Equatable {
        public var seq: Int64
        public var table: String
        public var key: Value
        public var operation: Operation
        public var at: Int64
        public var content: Data
        public var hash: Data
        /// An update's or delete's digest of the row before it (``link(previous:table:key:operation:at:content:prior:)``).
        public var prior: Data?

        public init(
            seq: Int64, table: String, key: Value, operation: Operation, at: Int64, content: Data, hash: Data, prior: Data? = nil
        ) {
            self.seq = seq
            self.table = table
            self.key = key
            self.operation = operation
            self.at = at
            self.content = content
            self.hash = hash
            self.prior = prior
        }
    }

    /// The head of the chain: its last entry (seq 0 and no hash on an empty chain).
    public struct Head: Sendable, Equatable, CustomStringConvertible {
        public var seq: Int64
        public var hash: Data?

        public init(seq: Int64, hash: Data?) {
            self.seq = seq
            self.hash = hash
        }

        public var description: String { "\(seq):\(hash?.hexString ?? "-")" }
    }

    /// A row or entry that does not match, the first one a walk found.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Problem: String, Sendable {
            /// The entry's hash is not the hash of its content and the previous entry's hash (the
            /// entry was edited, or one before it was removed or inserted).
            case brokenLink = "broken_link"
            /// A change the table never receives (an update or delete of a write-once row).
            case forbiddenChange = "forbidden_change"
            /// The row's content differs from its latest entry (changed behind the triggers).
            case contentChanged = "content_changed"
            /// The row is gone with no tombstone (deleted behind the triggers).
            case rowMissing = "row_missing"
            /// The row has no entry at all (inserted behind the triggers).
            case rowUnchained = "row_unchained"
            /// A payroll run's recorded chain head is not in the chain (the chain was cut or rewritten).
            case anchorMismatch = "anchor_mismatch"
            /// A trigger that chains a table's changes is gone: changes to it are no longer chained.
            case triggerMissing = "trigger_missing"
            /// A person's ledger state disagrees with their chained events: not deceased after a
            /// recorded death that no reversal followed (the state was edited behind the service).
            case stateMismatch = "state_mismatch"
        }

        public var problem: Problem
        public var table: String
        /// The row's key: its id (or a payroll run's month, a recovery line's `recovery:line`).
        public var key: String
        /// The chain entry concerned, when there is one.
        public var seq: Int64?
        public var detail: String

        public init(problem: Problem, table: String, key: String, seq: Int64?, detail: String) {
            self.problem = problem
            self.table = table
            self.key = key
            self.seq = seq
            self.detail = detail
        }

        public var description: String {
            "\(table) row \(key)\(seq.map { " (chain entry \($0))" } ?? ""): \(problem.rawValue): \(detail)"
        }
    }

    /// Walks entries in seq order: each must link to the one before and make a change its table
    /// receives. Feed it every entry from `start` (whose previous hash is `previous`); the first
    /// finding is kept.
    public struct Walk: Sendable {
        public private(set) var previous: Data?
        public private(set) var entries = 0
        public private(set) var finding: Finding?
        private let insertOnly = Set(AuditChain.tables.filter(\.insertOnly).map(\.name))
        private let covered = Set(AuditChain.tables.map(\.name))

        public init(previous: Data?) { self.previous = previous }

        public mutating func check(_ entry: Entry) {
            entries += 1
            let expected = AuditChain.link(
                previous: previous, table: entry.table, key: entry.key, operation: entry.operation, at: entry.at,
                content: entry.content, prior: entry.prior)
            previous = entry.hash
            guard finding == nil else { return }
            let key = entry.key.keyText
            if expected != entry.hash {
                finding = Finding(
                    problem: .brokenLink, table: entry.table, key: key, seq: entry.seq,
                    detail: "the entry's hash does not follow from its content and the entry before it")
            } else if !covered.contains(entry.table) {
                finding = Finding(problem: .forbiddenChange, table: entry.table, key: key, seq: entry.seq, detail: "not a covered table")
            } else if entry.operation == .batch && !AuditChain.batchedTables.contains(entry.table) {
                finding = Finding(
                    problem: .forbiddenChange, table: entry.table, key: key, seq: entry.seq,
                    detail: "a batch entry on a table chained row by row")
            } else if insertOnly.contains(entry.table) && entry.operation != .insert && entry.operation != .batch {
                finding = Finding(
                    problem: .forbiddenChange, table: entry.table, key: key, seq: entry.seq,
                    detail: "\(entry.operation == .update ? "an update" : "a delete") of a row written once")
            }
        }
    }
}

extension AuditChain.Value {
    /// The key as a finding names it.
    public var keyText: String {
        switch self {
        case .null: "NULL"
        case .integer(let v): String(v)
        case .real(let v): String(v)
        case .text(let s): s
        case .blob(let d): d.hexString
        }
    }
}

/// What a verification of the chain found.
public struct AuditReport: Sendable, Equatable {
    /// Chain entries walked.
    public var entries: Int
    /// Covered rows compared with their latest entries.
    public var rows: Int
    /// The chain's last entry.
    public var head: AuditChain.Head
    /// The first row or entry that does not match; nil when everything does.
    public var finding: AuditChain.Finding?
    /// False for a store that keeps no chain (the simulator's memory ledger).
    public var applicable: Bool

    public init(entries: Int, rows: Int, head: AuditChain.Head, finding: AuditChain.Finding?, applicable: Bool = true) {
        self.entries = entries
        self.rows = rows
        self.head = head
        self.finding = finding
        self.applicable = applicable
    }

    public var isValid: Bool { finding == nil }
}
