import Foundation
import Hummingbird
import HummingbirdTesting
import Ledger
import Logging
import Storage
import TestSupport
import Testing

@testable import Server

/// A CSV download cut short by the store after its first page.
@Suite("Download streams")
struct StreamCutTests {
    @Test("a download that fails after its first page ends with a marker line and without the body's end (a truncated transfer)")
    func downloadCutShort() async throws {
        let router = Router()
        router.get("/export") { _, context in
            try await CSVStream<Int64>(
                name: "numbers.csv", header: ["n"],
                page: { after, limit in
                    guard after == 0 else { throw StorageError(.database, "disk I/O error while reading page 2") }
                    return Array(1...Int64(limit))
                }, key: { $0 }, cells: { [String($0)] }
            )
            .response(lane: HeavyLane(width: 1, queue: 0), logger: context.logger, pageRows: 3)
        }
        try await Application(router: router).test(.live) { client in
            // A plain socket: an HTTP client reports the truncated transfer as an error and hides the bytes.
            let connection = try RawConnection(port: try #require(client.port), readTimeout: 10)
            defer { connection.close() }
            connection.send("GET /export HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let raw = await connection.receive() ?? ""
            #expect(connection.closedByServer)
            #expect(raw.hasPrefix("HTTP/1.1 200"))
            #expect(raw.lowercased().contains("transfer-encoding: chunked"))
            #expect(raw.contains("n\n1\n2\n3\n"))
            #expect(raw.contains("# incomplete: the service failed after 3 rows (request "))
            #expect(!raw.contains("disk I/O"))
            // A complete chunked body ends with a chunk of size 0; this one never does.
            #expect(!raw.hasSuffix("0\r\n\r\n"))
        }
    }
}
