import ArgumentParser
import FaceEngine
import Foundation

/// `fastcert face bench IMAGE [--seconds S] [--concurrency C] [--workers N]`
struct FaceBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the engine's own throughput and latency on one photo (the baseline for the HTTP benchmark).",
        discussion: "Keeps C analyses of the photo in flight for S seconds after a warm-up, then prints images/s and latency percentiles.")

    @Argument(help: ArgumentHelp("A JPEG or PNG photo.", valueName: "image")) var image: String
    @Option(help: "Seconds to measure (after a 2 s warm-up).") var seconds: Double = 10
    @Option(help: "Analyses in flight at once (default: the number of workers).") var concurrency: Int?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var engineOptions: EngineOptions

    func run() async throws {
        try await reportingFailures {
            guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be between 0 and 3600") }
            let engine = try await engineOptions.startEngine()
            let photo: Data
            do { photo = try Data(contentsOf: URL(filePath: image)) } catch { throw CommandFailure.input("cannot read \(image)") }
            do throws(FaceEngineError) {
                _ = try await engine.analyze(photo)  // fails early, with the engine's reason, on a bad photo
            } catch {
                throw CommandFailure.engine(error, subject: image)
            }
            let inFlight = concurrency ?? engine.configuration.workers
            guard inFlight >= 1 else { throw ValidationError("--concurrency must be at least 1") }
            _ = try await Self.measure(engine, photo, seconds: 2, concurrency: inFlight)
            let latencies = try await Self.measure(engine, photo, seconds: seconds, concurrency: inFlight)
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
            let rate = Double(sorted.count) / seconds
            if json {
                try printJSON([
                    "images_per_second": rate, "p50_ms": percentile(0.5), "p99_ms": percentile(0.99),
                    "workers": Double(engine.configuration.workers),
                    "concurrency": Double(inFlight),
                ])
            } else {
                print(
                    String(
                        format: "%.1f images/s, p50 %.1f ms, p99 %.1f ms (%d workers, %d in flight, %d images)", rate, percentile(0.5),
                        percentile(0.99), engine.configuration.workers, inFlight, sorted.count))
            }
        }
    }

    /// Latencies (seconds) of the analyses completed within `seconds`.
    static func measure(_ engine: FaceEngine, _ photo: Data, seconds: Double, concurrency: Int) async throws -> [Double] {
        let end = ContinuousClock.now + .seconds(seconds)
        return try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    while ContinuousClock.now < end {
                        let start = ContinuousClock.now
                        _ = try await engine.analyze(photo)
                        let elapsed = ContinuousClock.now - start
                        if ContinuousClock.now <= end {
                            latencies.append(elapsed.inSeconds)
                        }
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }
}
