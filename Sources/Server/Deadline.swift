import Foundation

/// Work answered on time: `run` returns the work's result, or throws `onTimeout` when `seconds`
/// pass first, without waiting for the work (which is cancelled and finishes on its own; engine
/// work left behind is bounded by the engine's queue). A task group would wait for its children,
/// so a request stuck on the engine would be answered only when the engine is done.
enum Deadline {
    static func run<T: Sendable>(
        seconds: Double, onTimeout: APIError, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let task = Task { try await work() }
        let answer = Answer<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                answer.set(continuation)
                let timer = Task {
                    try? await Task.sleep(for: .seconds(seconds))
                    guard !Task.isCancelled else { return }
                    answer.resume(with: .failure(onTimeout))
                    task.cancel()
                }
                Task {
                    let result = await task.result
                    timer.cancel()
                    answer.resume(with: result)
                }
            }
        } onCancel: {
            task.cancel()
        }
    }

    /// A continuation resumed once, by whichever comes first.
    final class Answer<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, any Error>?

        func set(_ continuation: CheckedContinuation<T, any Error>) {
            lock.withLock { self.continuation = continuation }
        }

        func resume(with result: Result<T, any Error>) {
            let taken = lock.withLock {
                defer { continuation = nil }
                return continuation
            }
            taken?.resume(with: result)
        }
    }
}
