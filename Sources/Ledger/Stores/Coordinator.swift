import Foundation

/// What must happen one at a time, or once, across every process working on one ledger: one
/// enrollment's duplicate search-and-save at a time (two could otherwise both find no duplicate
/// and both store), one verification per device at a time (its lockout is read and its attempt
/// recorded with no other attempt between), one daily sweep per day (claimed before it starts, so
/// a second process does not do the work again), and the enrollments made elsewhere, for the
/// duplicate index and the cohort to catch up with. The SQLite backend holds the locks in the one
/// process that serves a database file (a second `fastcert serve`, or a local `fastcert enroll`
/// beside a running service, is not excluded by them: enroll through the service's routes) and the
/// claims in the database, which every process sees; a city's backend holds both in its database
/// server.
public protocol Coordinator: Sendable {
    /// Runs `body` once `lock` is free, holding it meanwhile (waiting for the holder to finish).
    func exclusively<T: Sendable>(_ lock: CoordinationLock, _ body: @Sendable () async throws -> T) async throws -> T
    /// Runs `body` holding `lock` when it is free now; nil, without running it, when it is held.
    func ifFree<T: Sendable>(_ lock: CoordinationLock, _ body: @Sendable () async throws -> T) async throws -> T?
    /// Claims a piece of work to be done once (``CoordinationJob``) for `owner`: true when this
    /// caller is to do it; false when it was done, or another owner claimed it within `lease`
    /// seconds (a claim older than that, never finished, is taken over: its owner died).
    func claim(_ job: CoordinationJob, by owner: String, lease seconds: Int, at now: Date) async throws -> Bool
    /// Records that the claimed work is done (it is never claimed again).
    func finish(_ job: CoordinationJob, by owner: String, at now: Date) async throws
    /// Gives a claim up without doing the work (it failed): another process may claim it at once.
    func abandon(_ job: CoordinationJob, by owner: String) async throws
    /// Persons whose enrollment changed after event `after` (by any process), and the last event.
    func enrollmentChanges(after: Int64) async throws -> (last: Int64, persons: [ResidentID])
}

/// A lock held across the processes of one ledger.
public enum CoordinationLock: Hashable, Sendable, CustomStringConvertible {
    /// The duplicate search and the save of one enrollment.
    case enrollment
    /// One verification attempt of a device (a kiosk's key, or a phone).
    case device(String)

    public var description: String {
        switch self {
        case .enrollment: "enrollment"
        case .device(let id): "device:\(id)"
        }
    }
}

/// Work done once for the whole ledger.
public struct CoordinationJob: Hashable, Sendable, CustomStringConvertible {
    public var name: String

    /// The daily sweep of `day`.
    public static func sweep(_ day: Day) -> CoordinationJob { CoordinationJob(name: "sweep \(day)") }

    public var description: String { name }
}

/// A ``Coordinator`` whose locks are held in this process alone, by ``LocalLocks``.
public protocol LocallyLocking: Coordinator {
    var locks: LocalLocks { get }
}

extension LocallyLocking {
    public func exclusively<T: Sendable>(_ lock: CoordinationLock, _ body: @Sendable () async throws -> T) async throws -> T {
        try await locks.exclusively(lock, body)
    }

    public func ifFree<T: Sendable>(_ lock: CoordinationLock, _ body: @Sendable () async throws -> T) async throws -> T? {
        try await locks.ifFree(lock, body)
    }
}

/// Locks within one process: what the SQLite backend's ``Coordinator`` holds (the service is the
/// one process that enrolls and verifies on a database file), and the coordinator of tests and tools.
public actor LocalLocks {
    private var held: Set<CoordinationLock> = []
    private var waiting: [CoordinationLock: [CheckedContinuation<Void, Never>]] = [:]

    public init() {}

    /// Waits until `lock` is free and takes it.
    public func acquire(_ lock: CoordinationLock) async {
        guard held.contains(lock) else {
            held.insert(lock)
            return
        }
        // The releaser hands the lock straight to the first waiter (it stays held).
        await withCheckedContinuation { waiting[lock, default: []].append($0) }
    }

    /// Takes `lock` when it is free now.
    public func tryAcquire(_ lock: CoordinationLock) -> Bool { held.insert(lock).inserted }

    public func release(_ lock: CoordinationLock) {
        if var queue = waiting[lock], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[lock] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            held.remove(lock)
        }
    }

    public func exclusively<T: Sendable>(_ lock: CoordinationLock, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(lock)
        return try await holding(lock, body)
    }

    public func ifFree<T: Sendable>(_ lock: CoordinationLock, _ body: @Sendable () async throws -> T) async throws -> T? {
        guard tryAcquire(lock) else { return nil }
        return try await holding(lock, body)
    }

    /// Runs `body` with `lock` taken, and gives it back however `body` ends.
    private func holding<T: Sendable>(_ lock: CoordinationLock, _ body: @Sendable () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            release(lock)
            return value
        } catch {
            release(lock)
            throw error
        }
    }
}

/// A ``Coordinator`` for one process alone: in-process locks, claims in memory, and the enrollment
/// changes its store records (tools, simulations and tests over an in-memory store).
public struct LocalCoordinator: LocallyLocking {
    public let locks = LocalLocks()
    let claims = ClaimBook()
    let enrollments: any EnrollmentStore

    public init(enrollments: any EnrollmentStore) { self.enrollments = enrollments }

    public func claim(_ job: CoordinationJob, by owner: String, lease seconds: Int, at now: Date) async throws -> Bool {
        await claims.claim(job, by: owner, until: now.addingTimeInterval(Double(seconds)), at: now)
    }

    public func finish(_ job: CoordinationJob, by owner: String, at now: Date) async throws { await claims.finish(job, by: owner) }

    public func abandon(_ job: CoordinationJob, by owner: String) async throws { await claims.abandon(job, by: owner) }

    public func enrollmentChanges(after: Int64) async throws -> (last: Int64, persons: [ResidentID]) {
        try await enrollments.enrollmentChanges(after: after)
    }
}

/// Claims of once-only work, in memory, with the same rules as a database's: a finished job is
/// never claimed again, a running one is taken over when its lease has passed.
actor ClaimBook {
    private var claims: [CoordinationJob: (owner: String, until: Date, finished: Bool)] = [:]

    func claim(_ job: CoordinationJob, by owner: String, until: Date, at now: Date) -> Bool {
        if let held = claims[job], held.finished || (held.owner != owner && held.until > now) { return false }
        claims[job] = (owner, until, false)
        return true
    }

    func finish(_ job: CoordinationJob, by owner: String) {
        if claims[job]?.owner == owner { claims[job]?.finished = true }
    }

    func abandon(_ job: CoordinationJob, by owner: String) {
        if let held = claims[job], held.owner == owner, !held.finished { claims[job] = nil }
    }
}
