import Foundation

/// Dedicated threads, each owning one ``NativeEngine``, fed from one bounded FIFO queue.
///
/// Native calls block for tens of milliseconds; they must never run on the Swift concurrency pool
/// or an event loop. Callers suspend on a continuation while a worker thread does the work.
/// State is guarded by `condition`, which is why the class can be `@unchecked Sendable`.
final class WorkerPool: @unchecked Sendable {
    typealias Job = @Sendable (NativeEngine) -> Void

    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var stopping = false
    private var running = 0
    private var busyWorkers = 0
    private var startup: (ready: Int, failure: FaceEngineError?, waiter: CheckedContinuation<Void, any Error>?)
    private let capacity: Int
    private let workerCount: Int

    /// Starts `configuration.workers` threads; each loads its own models. Returns when all are ready,
    /// or throws the first load failure (and stops the others).
    static func start(configuration: FaceEngineConfiguration) async throws -> WorkerPool {
        let pool = WorkerPool(capacity: configuration.queueCapacity, workers: configuration.workers)
        for index in 0..<configuration.workers {
            let thread = Thread { pool.run(configuration: configuration) }
            thread.name = "fastcert-face-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                pool.condition.lock()
                defer { pool.condition.unlock() }
                if let failure = pool.startup.failure {
                    continuation.resume(throwing: failure)
                } else if pool.startup.ready == pool.workerCount {
                    continuation.resume()
                } else {
                    pool.startup.waiter = continuation
                }
            }
        } catch {
            pool.shutdown()
            throw error
        }
        return pool
    }

    private init(capacity: Int, workers: Int) {
        self.capacity = capacity
        self.workerCount = workers
        startup = (0, nil, nil)
    }

    /// Jobs waiting for a worker.
    var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count - head
    }

    /// True until shutdown starts.
    var isAccepting: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !stopping
    }

    /// Workers in the middle of a job.
    var activeWorkers: Int {
        condition.lock()
        defer { condition.unlock() }
        return busyWorkers
    }

    /// Queues a job, or refuses at once when the queue is full or the pool is stopping.
    func submit(_ job: @escaping Job) throws(FaceEngineError) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { throw .shutDown("the face engine is shutting down") }
        guard jobs.count - head < capacity else {
            throw .busy("the face engine has \(capacity) requests waiting; try again in a moment")
        }
        jobs.append(job)
        condition.signal()
    }

    /// Stops taking work; queued jobs still run, then the threads exit and release their engines.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func run(configuration: FaceEngineConfiguration) {
        let engine: NativeEngine
        do {
            engine = try NativeEngine(configuration: configuration)
        } catch {
            condition.lock()
            if startup.failure == nil { startup.failure = error }
            let waiter = startup.waiter
            startup.waiter = nil
            condition.unlock()
            waiter?.resume(throwing: error)
            return
        }
        condition.lock()
        startup.ready += 1
        var waiter: CheckedContinuation<Void, any Error>?
        if startup.ready == workerCount, startup.failure == nil {
            waiter = startup.waiter
            startup.waiter = nil
        }
        condition.unlock()
        waiter?.resume()

        while let job = next() {
            job(engine)
            condition.lock()
            busyWorkers -= 1
            condition.unlock()
        }
    }

    /// The next job, or nil once stopping and the queue is drained.
    private func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && !stopping { condition.wait() }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head > 1024 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        busyWorkers += 1
        return job
    }
}
