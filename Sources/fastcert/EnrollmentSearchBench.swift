import ArgumentParser
import Certification
import Crypto
import FaceEngine
import Foundation
import Ledger
import Simulation
import Storage

/// `fastcert enrollments bench [--templates N]`: the duplicate-identity search at city scale, on
/// synthetic templates (random 128-dimension vectors with the norm of real dlib embeddings, about
/// 1.45). Prints the time to open N sealed templates into the index, the index's memory, and the
/// search time per new photo (one embedding) and per 5-photo enrollment, on this one thread,
/// after checking that planted near-copies are found; and the verification cohort's cost (a sample
/// of 2,000 kept while the index fills, as in the service): a cohort-normalized score per verification.
struct EnrollmentSearchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the duplicate-identity search over N synthetic enrolled templates (one core).")

    @Option(help: "Enrolled templates to search.") var templates = 2_000_000
    @Option(help: "Searches to time.") var queries = 50
    @Option(help: "Distance limit of the search.") var threshold = 0.45
    @Option(help: ArgumentHelp("Also write the templates as float32 rows to this file (for the peer benchmark).", valueName: "file"))
    var writeMatrix: String?
    @Flag(help: "Also store the templates in a new database (for as many persons) and time the index's load from it, as at start-up.")
    var fromDatabase = false
    @Flag(help: "Print JSON.") var json = false

    /// Synthetic embeddings from a seeded generator (the same ones every run).
    struct Generator {
        var random: SplitMix64
        mutating func gaussian() -> Float {
            let u = Float.random(in: Float.ulpOfOne..<1, using: &random)
            let v = Float.random(in: 0..<1, using: &random)
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        mutating func embedding() -> [Float] {
            var values = (0..<128).map { _ in gaussian() }
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let target = Float.random(in: 1.3...1.6, using: &random)
            for i in values.indices { values[i] *= target / norm }
            return values
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double { (ContinuousClock.now - start).inSeconds }

    /// The index filled with sealed synthetic templates, and what filling it cost.
    struct Built {
        var index = TemplateIndex()
        var cohort = FaceCohort()
        /// Templates whose near-copies are searched for.
        var planted: [(owner: String, embedding: [Float])] = []
        /// The templates, kept for `--from-database`.
        var stored: [(ResidentID, [[Float]])] = []
        var sealSeconds = 0.0
        var openSeconds = 0.0
    }

    func run() async throws {
        guard templates >= 1000, templates <= 20_000_000, queries >= 1 else {
            throw ValidationError("--templates must be 1,000 to 20,000,000 and --queries at least 1")
        }
        var generator = Generator(random: SplitMix64(seed: 20_261_129))
        var built = try build(&generator)
        let resident = Self.residentMegabytes()
        let (single, fivePhotos, found) = search(built, &generator)
        let cohortScores = Self.cohortScores(built, &generator)
        func percentile(_ values: [Double], _ p: Double) -> Double { values[min(values.count - 1, Int(Double(values.count) * p))] }
        var figures: [String: Double] = [
            "templates": Double(built.index.count), "planted_found": Double(found), "planted": Double(built.planted.count),
            "seal_seconds": built.sealSeconds, "open_into_index_seconds": built.openSeconds, "resident_mb": resident,
            "search_1_p50_ms": percentile(single, 0.5), "search_1_p95_ms": percentile(single, 0.95), "search_1_max_ms": single.last!,
            "search_5_p50_ms": percentile(fivePhotos, 0.5), "search_5_max_ms": fivePhotos.last!,
            "cohort_members": Double(built.cohort.count), "cohort_score_p50_ms": percentile(cohortScores, 0.5),
            "cohort_score_p95_ms": percentile(cohortScores, 0.95),
        ]
        if fromDatabase {
            let (load, count) = try await Self.loadFromDatabase(built.stored)
            built.stored = []
            figures["database_load_seconds"] = load
            figures["database_templates"] = Double(count)
        }
        if json {
            try printJSON(figures)
            return
        }
        print("templates:            \(built.index.count) (synthetic, norm 1.3-1.6, 128 dimensions)")
        print(String(format: "generate and seal:    %.1f s", built.sealSeconds))
        print(String(format: "open into the index:  %.1f s (what start-up costs, besides reading the rows)", built.openSeconds))
        print(String(format: "resident memory:      %.0f MB", resident))
        print("planted near-copies:  \(found) of \(built.planted.count) found as the nearest match")
        print(
            String(
                format: "search, 1 photo:      p50 %.1f ms, p95 %.1f ms, max %.1f ms (one thread)", percentile(single, 0.5),
                percentile(single, 0.95), single.last!))
        print(String(format: "search, 5 photos:     p50 %.1f ms, max %.1f ms", percentile(fivePhotos, 0.5), fivePhotos.last!))
        print(
            String(
                format: "cohort score:         p50 %.2f ms, p95 %.2f ms per verification (%d members, the 50 nearest each side)",
                percentile(cohortScores, 0.5), percentile(cohortScores, 0.95), built.cohort.count))
        if let load = figures["database_load_seconds"] {
            print(
                String(
                    format: "load from SQLite:     %.1f s for %.0f templates (read, open, index: the service's start-up)", load,
                    figures["database_templates"] ?? 0))
        }
    }

    /// Seals the synthetic templates as the database holds them (ids need not be real persons
    /// here) and opens them into the index, 50,000 at a time, timing each half.
    func build(_ generator: inout Generator) throws -> Built {
        let vault = TemplateVault(key: SymmetricKey(size: .bits256))
        var built = Built()
        built.index.reserve(templates)
        var matrix = writeMatrix.map { _ in Data(capacity: templates * 512) }
        let chunk = 50_000
        var made = 0
        while made < templates {
            let count = min(chunk, templates - made)
            var sealed: [(ResidentID, Data)] = []
            sealed.reserveCapacity(count)
            let sealStart = ContinuousClock.now
            for n in made..<(made + count) {
                let k = n / 1000  // 1,000 sequence numbers per birth date
                let id = ResidentID.completing(
                    String(format: "370202%04d%02d%02d%03d", 1930 + k / 336, k % 336 / 28 + 1, k % 28 + 1, n % 1000))!
                let embedding = generator.embedding()
                if n % (templates / queries) == 7 && built.planted.count < queries { built.planted.append((id.value, embedding)) }
                if matrix != nil { embedding.withUnsafeBytes { matrix!.append(contentsOf: $0) } }
                sealed.append((id, try vault.seal([embedding], for: id)))
                if fromDatabase { built.stored.append((id, [embedding])) }
            }
            built.sealSeconds += Self.seconds(since: sealStart)
            let openStart = ContinuousClock.now
            for (id, box) in sealed {
                let template = try vault.open(box, for: id)
                built.index.replace(owner: id.value, with: template)
                built.cohort.replace(owner: id.value, with: template.compactMap(FaceEmbedding.init(values:)))
            }
            built.openSeconds += Self.seconds(since: openStart)
            made += count
        }
        if let writeMatrix, let matrix { try matrix.write(to: URL(filePath: writeMatrix)) }
        return built
    }

    /// Times the searches, sorted: a near-copy of each planted face (another photo of the same
    /// person, distance about 0.3), which must be found first, and 5-photo enrollments.
    func search(_ built: Built, _ generator: inout Generator) -> (single: [Double], fivePhotos: [Double], found: Int) {
        var single: [Double] = []
        var found = 0
        for (owner, embedding) in built.planted {
            let query = embedding.map { $0 + 0.3 / Float(128).squareRoot() * generator.gaussian() }
            let start = ContinuousClock.now
            let matches = built.index.search([query], within: threshold)
            single.append(Self.seconds(since: start) * 1000)
            if matches.first?.owner == owner { found += 1 }
        }
        var fivePhotos: [Double] = []
        for _ in 0..<max(5, queries / 5) {
            let queries = (0..<5).map { _ in generator.embedding() }
            let start = ContinuousClock.now
            _ = built.index.search(queries, within: threshold)
            fivePhotos.append(Self.seconds(since: start) * 1000)
        }
        return (single.sorted(), fivePhotos.sorted(), found)
    }

    /// Times the cohort-normalized score of a verification (a probe near a planted template, two
    /// reference photos), sorted.
    static func cohortScores(_ built: Built, _ generator: inout Generator) -> [Double] {
        var times: [Double] = []
        for (owner, embedding) in built.planted {
            let references = [embedding, generator.embedding()].compactMap(FaceEmbedding.init(values:))
            guard let probe = FaceEmbedding(values: embedding.map { $0 + 0.3 / Float(128).squareRoot() * generator.gaussian() }) else {
                continue
            }
            let start = ContinuousClock.now
            _ = built.cohort.score(
                distance: GalleryRule.service.distance(probe, to: references), probe: probe, references: references, claimed: owner,
                normalization: CohortNormalization())
            times.append(seconds(since: start) * 1000)
        }
        return times.sorted()
    }

    /// Stores the templates for as many persons in a new database, then times a fresh enroller's
    /// load of its index from it.
    static func loadFromDatabase(_ templates: [(ResidentID, [[Float]])]) async throws -> (seconds: Double, templates: Int) {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-bench-\(Data.randomHex(bytes: 6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try LedgerOptions.parse(["--database", folder.appending(path: "bench.sqlite").path])
            .open(vault: TemplateVault(key: SymmetricKey(size: .bits256)))
        _ = try await store.registry.importUnits(
            csv: """
                code,name,level,parent_code
                3702,Qingdao,city,
                370202,Shinan,district,3702
                370202001,Badaguan Street,street,370202
                370202001001,Taiping Community,community,370202001
                """, strict: true)
        var csv = "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile\n"
        for (id, _) in templates {
            let v = id.value
            csv +=
                "\(v),P,\(v.dropFirst(6).prefix(4))-\(v.dropFirst(10).prefix(2))-\(v.dropFirst(12).prefix(2)),370202001001,3,3000,,,0,0\n"
        }
        _ = try await store.registry.importPersons(csv: csv, today: Day("2025-01-01")!)
        var start = 0
        while start < templates.count {
            try await store.enrollment.saveTemplates(Array(templates[start..<min(start + 100_000, templates.count)]), by: "bench")
            start += 100_000
        }
        let began = ContinuousClock.now
        let loaded = try await Enroller(store: store.enrollment, coordinator: store.coordinator, engine: nil, matchThreshold: 0.55).load()
        return (seconds(since: began), loaded.templates)
    }

    static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}
