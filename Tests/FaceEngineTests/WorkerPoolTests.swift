import FaceEngine
import Foundation
import TestSupport
import Testing

/// The worker pool: parallel workers agree with a single one, and a full queue refuses politely.
@Suite("Worker pool")
struct WorkerPoolTests {
    @Test("two workers hammering the engine give embeddings identical to one worker")
    func concurrentWorkersAgree() async throws {
        let names = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "32bit.png"]
        let images = try names.map(Fixtures.image)
        let single = try await FaceEngine.start(configuration: FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1))
        var reference: [FaceEmbedding] = []
        for image in images { reference.append(try await single.analyze(image).primaryFace.embedding) }

        let pair = try await SharedEngines.shared.engine(workers: 2)
        let rounds = 6
        let results = try await withThrowingTaskGroup(of: (Int, FaceEmbedding).self) { group in
            for round in 0..<rounds {
                for (index, image) in images.enumerated() {
                    group.addTask { (index, try await pair.analyze(image).primaryFace.embedding) }
                    _ = round
                }
            }
            var results: [(Int, FaceEmbedding)] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.count == rounds * images.count)
        for (index, embedding) in results {
            #expect(embedding == reference[index], "\(names[index]) differs between workers")
        }
    }

    @Test("a full queue answers busy instead of growing without bound")
    func boundedQueue() async throws {
        let engine = try await FaceEngine.start(
            configuration: FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1, queueCapacity: 2))
        let image = try Fixtures.image("obama3.jpg")
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    do throws(FaceEngineError) {
                        _ = try await engine.analyze(image)
                        return "ok"
                    } catch {
                        return error.code
                    }
                }
            }
            var outcomes: [String] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.contains("ok"))
        #expect(outcomes.contains("engine_busy"))
        #expect(Set(outcomes).isSubset(of: ["ok", "engine_busy"]))
    }

    @Test("analysing a long list of files never overflows a small queue, and keeps the order")
    func batchRespectsTheQueue() async throws {
        let engine = try await FaceEngine.start(
            configuration: FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1, queueCapacity: 2))
        let names = Array(repeating: ["obama.jpg", "biden.jpg", "missing.jpg"], count: 4).flatMap { $0 }
        let results = await engine.analyze(files: names.map { Fixtures.images.appending(path: $0) })
        #expect(results.count == names.count)
        for (name, result) in zip(names, results) {
            switch result {
            case .success(let analysis):
                #expect(name != "missing.jpg")
                #expect(analysis.faces.count == 1)
            case .failure(let error):
                #expect(name == "missing.jpg", "\(name): \(error)")
                #expect(error.code == "bad_argument")
            }
        }
    }

    @Test("after shutdown new work is refused with a clear error")
    func shutdownRefusesWork() async throws {
        let engine = try await FaceEngine.start(configuration: FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1))
        let image = try Fixtures.image("obama.jpg")
        engine.shutdown()
        do {
            _ = try await engine.analyze(image)
            Issue.record("work accepted after shutdown")
        } catch {
            #expect(error.code == "engine_shut_down")
        }
    }
}
