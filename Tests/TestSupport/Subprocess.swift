import Foundation
import Synchronization

/// A child process of the tests: it dies with the test process, and it is waited for (its exit,
/// its pipes) without holding a thread of the Swift concurrency pool.
///
/// The pool has one thread per core (two on CI). A `waitUntilExit()` or a blocking pipe read
/// there holds a pool thread for as long as the child runs: two command-line tests at once held
/// both, and every async test of the process (a server under test included) waited, a 0.3 s
/// request deadline answering after 62 s. Here the waits happen on threads of their own, and the
/// caller suspends.
///
/// Every child runs under `setpriv --pdeathsig KILL` (util-linux): the kernel kills it when its
/// parent goes, so a crashed or killed test run leaves no server, driver or browser behind. The
/// parent-death signal fires when the *thread* that spawned the child exits, not only the
/// process: every child is therefore spawned from one thread that lives as long as the process
/// (``Spawner``), never from a pool thread, which the runtime may retire when it is idle.
public final class Subprocess: @unchecked Sendable {
    public static let setpriv = URL(filePath: "/usr/bin/setpriv")

    /// The process (its executable is `setpriv`, which execs the command: the process id and the
    /// exit status are the command's).
    public let process: Process
    private let state = Mutex<(exited: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// How a finished child ended and what it wrote.
    public struct Output: Sendable {
        public var status: Int32
        public var reason: Process.TerminationReason
        public var stdout: String
        public var stderr: String
    }

    private init(_ process: Process) {
        self.process = process
    }

    /// Starts a configured `process` (executable, arguments, environment, directory, standard
    /// handles set; not yet run) so that it dies with the tests.
    public static func start(_ process: Process) async throws -> Subprocess {
        guard let executable = process.executableURL else { throw CocoaError(.fileNoSuchFile) }
        guard FileManager.default.isExecutableFile(atPath: setpriv.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: setpriv.path])
        }
        process.arguments = ["--pdeathsig", "KILL", "--", executable.path] + (process.arguments ?? [])
        process.executableURL = setpriv
        let child = Subprocess(process)
        process.terminationHandler = { _ in child.exited() }
        try await Spawner.shared.perform { try child.process.run() }
        return child
    }

    /// Runs `executable` to its end, reading both pipes as they fill (one after the other would
    /// deadlock on a child that fills the second while the first is read).
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil
    ) async throws -> Output {
        // As many command runs at once as there are cores: awaited without blocking, they would
        // otherwise all start together (one per test) and starve the tests' own servers and timers.
        await runSlots.acquire()
        defer { Task { await runSlots.release() } }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let child = try await start(process)
        async let stdout = readToEnd(out.fileHandleForReading)
        async let stderr = readToEnd(err.fileHandleForReading)
        let (stdoutData, stderrData) = await (stdout, stderr)
        await child.exit()
        return Output(
            status: process.terminationStatus, reason: process.terminationReason, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// Suspends until the child has exited (at once when it has).
    public func exit() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if !state.exited { state.waiters.append(waiter) }
                return state.exited
            }
            if done { waiter.resume() }
        }
    }

    private func exited() {
        let waiters = state.withLock { state in
            state.exited = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    public var isRunning: Bool { process.isRunning }
    public var processIdentifier: Int32 { process.processIdentifier }
    public func terminate() { process.terminate() }

    /// Everything `handle` gives until its end, read on a thread of its own.
    public static func readToEnd(_ handle: FileHandle) async -> Data {
        var data = Data()
        for await chunk in chunks(handle) { data.append(chunk) }
        return data
    }

    /// What `handle` gives as it comes, read on a thread of its own until its end (the reading
    /// goes on, discarded, when the consumer stops early: the end comes when the child exits).
    public static func chunks(_ handle: FileHandle) -> AsyncStream<Data> {
        AsyncStream { continuation in
            let reader = Thread {
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    continuation.yield(chunk)
                }
                continuation.finish()
            }
            reader.name = "test-pipe-reader"
            reader.start()
        }
    }
}

/// The one thread every child of the tests is spawned from: it lives as long as the process, so
/// a child's parent-death signal fires only when the test process goes.
final class Spawner: @unchecked Sendable {
    static let shared = Spawner()
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []

    private init() {
        let thread = Thread { [self] in serve() }
        thread.name = "test-spawner"
        thread.start()
    }

    func perform(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            condition.lock()
            jobs.append { done.resume(with: Result { try work() }) }
            condition.signal()
            condition.unlock()
        }
    }

    private func serve() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

/// Places for children run to their end (``Subprocess/run(_:_:environment:directory:)``): one a core.
let runSlots = Slots(ProcessInfo.processInfo.activeProcessorCount)

/// A counting semaphore that suspends, never blocks, a waiter.
actor Slots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = max(count, 1) }

    func acquire() async {
        guard free == 0 else {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
