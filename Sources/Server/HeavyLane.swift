/// The lane of reads that may scan much of the ledger (computing a month's figures for every
/// unit, CSV exports): at most `width` run at once, at most `queue` more wait their turn, and
/// past that a request is refused at once (503 `heavy_reads_busy`, Retry-After) instead of
/// waiting. GRDB's pool lends five readers; a lane of two leaves the rest to kiosks, workers'
/// lists and the sweep, whatever the console asks for, and SQLite's writer never waits on a
/// reader (WAL).
actor HeavyLane {
    let width: Int
    let queue: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int, queue: Int) {
        precondition(width >= 1 && queue >= 0)
        self.width = width
        self.queue = queue
    }

    /// Runs `body` in the lane, waiting for a place if all `width` are taken; refused when the
    /// queue is full too, unless `refusing` is false (a download already under way waits for its
    /// next page rather than break off: it was admitted with its first).
    func run<T: Sendable>(refusing: Bool = true, _ body: @Sendable () async throws -> T) async throws -> T {
        if running < width {
            running += 1
        } else {
            guard waiting.count < queue || !refusing else {
                throw APIError(
                    .heavyReadsBusy, "\(running) heavy reads are running and \(waiting.count) waiting; retry shortly",
                    headers: [.retryAfter: "2"])
            }
            // The place is handed over by the body that finishes (`running` stays as it was).
            await withCheckedContinuation { waiting.append($0) }
        }
        defer { leave() }
        return try await body()
    }

    private func leave() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
