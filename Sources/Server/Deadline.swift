import Foundation
import Synchronization

/// Work answered on time: `run` returns the work's result, or throws `onTimeout` when `seconds`
/// pass first, without waiting for the work (which is cancelled and finishes on its own; engine
/// work left behind is bounded by the engine's queue). A task group would wait for its children,
/// so a request stuck on the engine would be answered only when the engine is done.
///
/// The timeout fires from a Dispatch timer, not from a task of its own: under load a new task can
/// wait seconds for a thread of the concurrency pool (measured in the whole test suite on two
/// cores: 3.4 s before a new task started, 0.1 s for a waiting one to resume), and the answer
/// must not wait for that.
enum Deadline {
    static func run<T: Sendable>(
        seconds: Double, onTimeout: APIError, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let task = Task { try await work() }
        let answer = Answer<T>()
        // The timer holds the work through a box emptied when the work ends: nothing the timer
        // holds may keep the result (a body, a response) alive after the answer.
        let pending = Pending(task)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                answer.set(continuation)
                // A timer source, not a Dispatch work item: a cancelled item is released only at
                // its deadline (up to a day), a cancelled source at once.
                let timer = DispatchSource.makeTimerSource(queue: .global())
                timer.setEventHandler {
                    answer.resume(with: .failure(onTimeout))
                    pending.take()?.cancel()
                }
                timer.schedule(deadline: .now() + seconds)
                timer.activate()
                Task {
                    let result = await task.result
                    timer.cancel()
                    _ = pending.take()
                    answer.resume(with: result)
                }
            }
        } onCancel: {
            task.cancel()
        }
    }

    /// The work while it runs; taken (emptied) by whichever of the timer and the result comes first.
    final class Pending<T: Sendable>: Sendable {
        private let task: Mutex<Task<T, any Error>?>

        init(_ task: Task<T, any Error>) { self.task = Mutex(task) }

        func take() -> Task<T, any Error>? { task.withLock { $0.take() } }
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
