internal import CBridge
import Synchronization

/// Every enrolled face template in memory, for the duplicate-identity check at enrollment: is this
/// new face already enrolled under another person? Rows are the embeddings quantised to int8 with a
/// scale per row (136 bytes a row: 2,000,000 templates take about 270 MB), scanned in full by
/// `fc_template_scan`. Distances come out within about 0.01 of the exact ones, so callers that
/// decide on a match re-check the candidates against the exact templates.
///
/// The index holds biometric data: it lives in memory only, filled from the sealed templates.
public final class TemplateIndex: Sendable {
    /// An enrolled owner close to a query: the smallest distance over their rows and the queries.
    public struct Match: Sendable, Equatable {
        public var owner: String
        public var distance: Double
    }

    struct Rows {
        var values: [Int8] = []
        var scale: [Float] = []
        var norm2: [Float] = []
        var owner: [Int32] = []
        var owners: [String] = []
        var ownerNumber: [String: Int32] = [:]
        /// Each owner's rows, added together so always contiguous.
        var rowsOf: [Int32: Range<Int>] = [:]
        var live = 0
    }

    public let dimensions: Int
    private let rows = Mutex(Rows())

    public init(dimensions: Int = 128) {
        self.dimensions = dimensions
    }

    /// Live rows (embeddings) in the index.
    public var count: Int { rows.withLock { $0.live } }

    /// Rows held, live or removed (removed rows are reclaimed once they are a quarter of the index).
    public var storedRows: Int { rows.withLock { $0.scale.count } }

    /// Owners with at least one live row.
    public var ownerCount: Int { rows.withLock { $0.rowsOf.count } }

    /// Makes room for this many more rows (loading a city at start-up).
    public func reserve(_ more: Int) {
        let dimensions = dimensions
        rows.withLock { rows in
            rows.values.reserveCapacity(rows.values.count + more * dimensions)
            rows.scale.reserveCapacity(rows.scale.count + more)
            rows.norm2.reserveCapacity(rows.norm2.count + more)
            rows.owner.reserveCapacity(rows.owner.count + more)
        }
    }

    /// Sets an owner's embeddings, replacing any they had. Embeddings of another size are ignored.
    public func replace(owner: String, with embeddings: [[Float]]) {
        let dimensions = dimensions
        let quantised = embeddings.filter { $0.count == dimensions }.map(Self.quantise)
        rows.withLock { rows in
            Self.remove(owner, from: &rows)
            guard !quantised.isEmpty else { return }
            let number: Int32
            if let known = rows.ownerNumber[owner] {
                number = known
            } else {
                number = Int32(rows.owners.count)
                rows.owners.append(owner)
                rows.ownerNumber[owner] = number
            }
            let first = rows.scale.count
            for (values, scale, norm2) in quantised {
                rows.values.append(contentsOf: values)
                rows.scale.append(scale)
                rows.norm2.append(norm2)
                rows.owner.append(number)
            }
            let added = first..<rows.scale.count
            rows.rowsOf[number] = added
            rows.live += added.count
        }
    }

    /// Removes an owner's embeddings (their rows are never matched again).
    public func remove(owner: String) {
        rows.withLock { Self.remove(owner, from: &$0) }
    }

    private static func remove(_ owner: String, from rows: inout Rows) {
        guard let number = rows.ownerNumber[owner], let old = rows.rowsOf.removeValue(forKey: number) else { return }
        for row in old { rows.norm2[row] = .infinity }
        rows.live -= old.count
        let dead = rows.scale.count - rows.live
        if dead > 1024 && dead > rows.live / 4 { compact(&rows) }
    }

    /// Copies the live rows to the front, owner by owner, and drops the rest.
    private static func compact(_ rows: inout Rows) {
        let dimensions = rows.scale.isEmpty ? 0 : rows.values.count / rows.scale.count
        var compacted = Rows()
        compacted.values.reserveCapacity(rows.live * dimensions)
        compacted.scale.reserveCapacity(rows.live)
        compacted.norm2.reserveCapacity(rows.live)
        compacted.owner.reserveCapacity(rows.live)
        compacted.owners = rows.owners
        compacted.ownerNumber = rows.ownerNumber
        for (number, range) in rows.rowsOf.sorted(by: { $0.value.lowerBound < $1.value.lowerBound }) {
            let first = compacted.scale.count
            compacted.values.append(contentsOf: rows.values[(range.lowerBound * dimensions)..<(range.upperBound * dimensions)])
            compacted.scale.append(contentsOf: rows.scale[range])
            compacted.norm2.append(contentsOf: rows.norm2[range])
            compacted.owner.append(contentsOf: rows.owner[range])
            compacted.rowsOf[number] = first..<compacted.scale.count
        }
        compacted.live = rows.live
        rows = compacted
    }

    /// Owners (other than `excluding`) with a row within `limit` of any query, nearest first.
    public func search(_ queries: [[Float]], within limit: Double, excluding: String? = nil) -> [Match] {
        let dimensions = dimensions
        let quantised = queries.filter { $0.count == dimensions }.map(Self.quantise)
        guard !quantised.isEmpty else { return [] }
        let queryValues = quantised.flatMap(\.values)
        let queryScale = quantised.map(\.scale)
        let queryNorm2 = quantised.map(\.norm2)
        return rows.withLock { rows in
            var capacity = 64
            var hits: [fc_scan_hit] = []
            while true {
                hits = [fc_scan_hit](repeating: fc_scan_hit(), count: capacity)
                var total: UInt64 = 0
                let status = fc_template_scan(
                    rows.values, rows.scale, rows.norm2, UInt64(rows.scale.count), UInt32(dimensions), queryValues, queryScale,
                    queryNorm2, UInt32(queryScale.count), Float(limit), &hits, UInt64(capacity), &total)
                // Every argument is the index's own (dimensions > 0, arrays sized together): a refusal is a bug here.
                precondition(status == FC_OK, "fc_template_scan refused the index's own arguments")
                let found = Int(total)
                if found <= capacity {
                    hits.removeLast(capacity - found)
                    break
                }
                capacity = found
            }
            var best: [String: Double] = [:]
            for hit in hits {
                let owner = rows.owners[Int(rows.owner[Int(hit.row)])]
                guard owner != excluding else { continue }
                best[owner] = min(best[owner] ?? .infinity, Double(hit.distance))
            }
            return best.map { Match(owner: $0.key, distance: $0.value) }.sorted {
                ($0.distance, $0.owner) < ($1.distance, $1.owner)
            }
        }
    }

    static func quantise(_ embedding: [Float]) -> (values: [Int8], scale: Float, norm2: Float) {
        let largest = embedding.reduce(Float(0)) { max($0, abs($1)) }
        let norm2 = embedding.reduce(Float(0)) { $0 + $1 * $1 }
        guard largest > 0 else { return ([Int8](repeating: 0, count: embedding.count), 0, norm2) }
        let scale = largest / 127
        return (embedding.map { Int8(($0 / scale).rounded()) }, scale, norm2)
    }
}

extension FaceEngine {
    /// ``TemplateIndex/search(_:within:excluding:)`` on one of the engine's worker threads: a
    /// scan of a city's templates takes milliseconds of native work, which must not hold a thread
    /// of the Swift concurrency pool (or the index's lock on one). Waits in the engine's queue
    /// like any image; a full queue is ``FaceEngineError/busy(_:)``.
    public func search(_ index: TemplateIndex, for queries: [[Float]], within limit: Double, excluding owner: String? = nil)
        async throws(FaceEngineError) -> [TemplateIndex.Match]
    {
        try await onWorker { _ in .success(index.search(queries, within: limit, excluding: owner)) }.get()
    }
}
