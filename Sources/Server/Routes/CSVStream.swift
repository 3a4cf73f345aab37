import Foundation
import Hummingbird
import Ledger
import Logging

/// A CSV download written while it is read: the store is read a page at a time by key (each page
/// its own short read in the heavy-read lane, no reader held while the client takes the bytes),
/// and each page goes to the client as one chunk. A city's payroll (2,000,000 lines, about 200
/// MB of CSV) thus never sits in the service's memory (docs/benchmarks.md measures it).
///
/// The first page is read before the answer starts, so a refusal (an unknown run or unit, a busy
/// lane) is an ordinary error response. A failure after that cannot change the status already
/// sent: the stream then writes a last line starting with `#` that names the request (logged with
/// the cause) and ends the connection without the chunked body's end, so every HTTP client sees a
/// truncated transfer (curl: exit 18), and a CSV reader the marker line of one cell.
struct CSVStream<Row: Sendable>: Sendable {
    /// Rows per page: one read and one chunk of about 200 KB.
    static var pageRows: Int { 2000 }

    var name: String
    var header: [String]
    /// A page: the rows with a key after `after`, in key order, at most `limit`.
    var page: @Sendable (_ after: Int64, _ limit: Int) async throws -> [Row]
    var key: @Sendable (Row) -> Int64
    var cells: @Sendable (Row) -> [String]

    /// The download: the first page read now (errors are the request's), the rest while writing.
    func response(lane: HeavyLane, logger: Logger, pageRows: Int = Self.pageRows, headers extra: HTTPFields = [:]) async throws
        -> Response
    {
        let first = try await lane.run { try await page(0, pageRows) }
        let stream = self
        let body = ResponseBody { writer in
            var rows = first
            var buffer = ByteBuffer(string: CSVText.row(stream.header))
            var written = 0
            while true {
                for row in rows { buffer.writeString(CSVText.row(stream.cells(row))) }
                try await writer.write(buffer)
                buffer.clear()
                written += rows.count
                guard rows.count == pageRows, let last = rows.last else { break }
                do {
                    // An admitted download waits its turn for every page; it is never refused half-way.
                    rows = try await lane.run(refusing: false) { try await stream.page(stream.key(last), pageRows) }
                } catch {
                    let requestID = Data.randomHex(bytes: 8)
                    logger.error(
                        "CSV download cut short",
                        metadata: [
                            "request_id": "\(requestID)", "file": "\(stream.name)", "rows_written": "\(written)",
                            "error.type": "\(type(of: error))", "error": "\(APIError.detail(error))",
                        ])
                    try await writer.write(
                        ByteBuffer(
                            string: "# incomplete: the service failed after \(written) rows (request \(requestID)); download it again\n"))
                    throw error
                }
            }
            try await writer.finish(nil)
        }
        var headers: HTTPFields = [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""]
        headers.append(contentsOf: extra)
        return Response(status: .ok, headers: headers, body: body)
    }
}
