import Foundation
import Synchronization

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
    final class Answer<T: Sendable>: Sendable {
        private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

        func set(_ continuation: CheckedContinuation<T, any Error>) {
            self.continuation.withLock { $0 = continuation }
        }

        func resume(with result: Result<T, any Error>) {
            continuation.withLock { $0.take() }?.resume(with: result)
        }
    }
}
