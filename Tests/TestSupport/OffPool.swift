import Foundation

/// Runs CPU-bound synchronous work (a city simulation, rendering a test's frames) on a thread of its
/// own and awaits it, so it never holds one of the concurrency pool's threads (two on a two-core
/// machine) for seconds: the suite's timers and servers run on that pool.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
