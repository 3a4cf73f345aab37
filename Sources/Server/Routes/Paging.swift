import Hummingbird

/// The one way a list is paged over HTTP: the query's `limit` and where the page starts (an
/// `offset` for lists merged or ordered in Swift, a key `after` for lists read in key order), and
/// the answer's pointer to the next page. The store is asked for one row more than the page holds,
/// so a page says there is a next one only when there is (a full last page has none).
struct Page<Start: Sendable>: Sendable {
    /// Where the page starts: the `offset` (0 on) or the key the previous page ended at (nil: the start).
    var start: Start
    /// The most rows the page holds.
    var limit: Int

    /// What to ask the store for: one more than the page holds.
    var fetchLimit: Int { limit + 1 }

    /// The page's rows out of what the store answered for ``fetchLimit``, and where the next page
    /// starts (nil on the last), taken from the page's last row.
    func cut<Row>(_ fetched: [Row], next: (Row) -> Start) -> (rows: ArraySlice<Row>, next: Start?) {
        let rows = fetched.prefix(limit)
        guard fetched.count > limit, let last = rows.last else { return (rows, nil) }
        return (rows, next(last))
    }

    /// The query's `limit`, from 1 to `max` (`default` when absent).
    static func limit(_ request: Request, default value: Int = 1000, max: Int = 10_000) throws -> Int {
        try LedgerRoutes.integer(request, "limit", default: value, range: 1...max)
    }
}

extension Page where Start == Int {
    /// A page by position: `offset` (0 to 10,000,000, default 0) and `limit`.
    static func offset(_ request: Request, default value: Int = 1000, max: Int = 10_000) throws -> Page {
        Page(
            start: try LedgerRoutes.integer(request, "offset", default: 0, range: 0...10_000_000),
            limit: try limit(request, default: value, max: max))
    }

    /// The page's rows and the `offset` of the next page (nil on the last).
    func cut<Row>(_ fetched: [Row]) -> (rows: ArraySlice<Row>, next: Int?) {
        cut(fetched) { _ in start + limit }
    }
}

extension Page {
    /// A page by key: `after` (the key the previous page ended at, parsed by `key`; absent for the
    /// first page, where the page starts at `first`) and `limit`.
    static func after(
        _ request: Request, first: Start, default value: Int = 1000, max: Int = 10_000, key: (String) throws -> Start
    ) throws -> Page {
        let start = try request.uri.queryParameters.get("after").map(key) ?? first
        return Page(start: start, limit: try limit(request, default: value, max: max))
    }
}

extension Page where Start == Int64 {
    /// A page by a row id: `after` (0 to 2^63 - 1, default 0: the start) and `limit`.
    static func afterID(_ request: Request, default value: Int = 1000, max: Int = 10_000) throws -> Page {
        try after(request, first: 0, default: value, max: max) { text in
            guard let id = Int64(text), id >= 0 else { throw APIError(.invalidQuery, "after must be an integer from 0 to \(Int64.max)") }
            return id
        }
    }
}
