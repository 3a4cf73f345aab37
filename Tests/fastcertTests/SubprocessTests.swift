import Foundation
import TestSupport
import Testing

/// How the tests run their children (``Subprocess``): awaited without holding a thread of the
/// concurrency pool, and killed with the test process.
@Suite("Children of the tests")
struct SubprocessTests {
    @Test(
        "children waited for hold no thread of the concurrency pool: more of them than it has threads, and a timer still fires before any exits"
    )
    func waitingHoldsNoPoolThread() async throws {
        let children = ProcessInfo.processInfo.activeProcessorCount + 1
        let clock = ContinuousClock()
        let exits = Exits()
        let woke: ContinuousClock.Instant = try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<children {
                group.addTask {
                    let run = try await Subprocess.run(URL(filePath: "/bin/sleep"), ["20"])
                    await exits.record(clock.now)
                    #expect(run.status == 0)
                }
            }
            // A waiting child on each pool thread (as `waitUntilExit()` did) would hold this timer
            // until a child exits. Compared with the children's exits, not with a fixed bound: a
            // loaded suite can start it seconds late (18 s seen with both cores busy), but never
            // after a 20 s child when nothing holds the pool.
            try await Task.sleep(for: .milliseconds(100))
            let woke = clock.now
            try await group.waitForAll()
            return woke
        }
        let firstExit = try #require(await exits.first)
        #expect(woke < firstExit, "a 0.1 s timer fired \(woke - firstExit) after the first of \(children) waiting children exited")
    }

    @Test("every child carries the parent-death signal KILL, and its output and status come back whole")
    func diesWithTheTests() async throws {
        let dump = try await Subprocess.run(URL(filePath: "/usr/bin/setpriv"), ["--dump"])
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(dump.stdout.contains("Parent death signal: KILL"), "\(dump.stdout)")
        // Both pipes filled past their buffers at once: read as they fill, neither blocks the other.
        let loud = try await Subprocess.run(
            URL(filePath: "/bin/sh"), ["-c", "head -c 300000 /dev/zero | tr '\\0' o; head -c 300000 /dev/zero | tr '\\0' e >&2; exit 3"])
        #expect(loud.status == 3 && loud.stdout.count == 300_000 && loud.stderr.count == 300_000)
    }

    @Test("a killed test process takes its children along")
    func killedParent() async throws {
        // A stand-in for the test process: a shell that starts a child as Subprocess does, prints the
        // child's id, and is then killed without a chance to clean up.
        let process = Process()
        process.executableURL = URL(filePath: "/bin/sh")
        process.arguments = ["-c", "\(Subprocess.setpriv.path) --pdeathsig KILL -- /bin/sleep 60 & echo $!; wait"]
        let output = Pipe()
        process.standardOutput = output
        let parent = try await Subprocess.start(process)
        var chunks = Subprocess.chunks(output.fileHandleForReading).makeAsyncIterator()
        let line = String(decoding: try #require(await chunks.next()), as: UTF8.self)
        let child = try #require(Int32(line.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(child, 0) == 0, "the child runs")
        kill(parent.processIdentifier, SIGKILL)
        await parent.exit()
        var gone = false
        for _ in 0..<50 where !gone {
            // Dead, or a zombie until init reaps it.
            let state = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
            gone = state == nil || state == "Z"
            if !gone { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(gone, "the child \(child) outlived its parent")
        if !gone { kill(child, SIGKILL) }
    }
}

/// When the children of ``SubprocessTests/waitingHoldsNoPoolThread()`` exited.
private actor Exits {
    private var instants: [ContinuousClock.Instant] = []

    func record(_ instant: ContinuousClock.Instant) { instants.append(instant) }

    var first: ContinuousClock.Instant? { instants.min() }
}
