import FaceEngine
import Foundation
import TestSupport
import Testing

/// Drives the real `fastcert` binary, as an operator or a script would.
@Suite("fastcert command line")
struct CommandLineTests {
    static let repository = Fixtures.repository
    static let images = Fixtures.images

    /// The binary SwiftPM built beside this test bundle.
    static var binary: URL {
        var folder = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = folder.appending(path: "fastcert")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        return repository.appending(path: ".build/debug/fastcert")
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary to its end: awaited, never blocking a thread of the concurrency pool, and
    /// killed with the test process (``Subprocess``).
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Run {
        let output = try await Subprocess.run(binary, arguments, environment: environment, directory: repository)
        return Run(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    static func image(_ name: String) -> String { Fixtures.path(name) }

    @Test(
        "compare --json: the same person matches, another does not; both exit 0",
        arguments: [
            ("obama.jpg", "obama2.jpg", true), ("obama.jpg", "biden.jpg", false),
        ])
    func compareJSON(first: String, second: String, match: Bool) async throws {
        let result = try await Self.run(["face", "compare", Self.image(first), Self.image(second), "--json", "--workers", "1"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let distance = try #require(json["distance"] as? Double)
        #expect(json["threshold"] as? Double == 0.55)
        #expect(json["match"] as? Bool == match)
        #expect(match ? distance < 0.55 : distance > 0.55)
        #expect(!result.stdout.contains("embedding"), "templates must never be printed")
    }

    @Test("the CNN fallback is on by default for still photos; --no-cnn-fallback turns it off")
    func cnnFallbackFlag() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            // Biden with three tenths of his face past the left edge: HOG alone finds no face.
            let photo = folder.appending(path: "cut.jpg")
            try Fixtures.cropped("biden.jpg", x: 529, y: 7, width: 441, height: 772).write(to: photo)
            let found = try await Self.run(["face", "analyze", photo.path, "--json", "--workers", "1"])
            #expect(found.status == 0, "stderr: \(found.stderr)")
            let faces = try #require(try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as? [[String: Any]])
            #expect(faces.first?["faces_found"] as? Int == 1)
            let off = try await Self.run(["face", "analyze", photo.path, "--json", "--workers", "1", "--no-cnn-fallback"])
            let missed = try #require(try JSONSerialization.jsonObject(with: Data(off.stdout.utf8)) as? [[String: Any]])
            #expect((missed.first?["error"] as? [String: Any])?["code"] as? String == "no_face", "\(off.stdout) \(off.stderr)")
        }
    }

    @Test("compare --threshold moves the decision")
    func customThreshold() async throws {
        let result = try await Self.run(["face", "compare", Self.image("obama.jpg"), Self.image("obama2.jpg"), "--threshold", "0.1"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("no match: distance"))
    }

    enum BadFile: String, CaseIterable, Sendable { case missing, notAPhoto, truncated, noFace }

    @Test("compare fails with a one-line reason naming the file, and its exit code", arguments: BadFile.allCases)
    func compareFailures(kind: BadFile) async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let file = folder.appending(path: "\(kind.rawValue).jpg")
            let (status, mentions): (Int32, String)
            switch kind {
            case .missing:
                (status, mentions) = (4, "no such file")
            case .notAPhoto:
                try Data("these are not pixels".utf8).write(to: file)
                (status, mentions) = (4, "not a JPEG or PNG")
            case .truncated:
                // Half of obama.jpg: libjpeg would pad it with grey; the engine refuses it instead.
                let jpeg = try Fixtures.image("obama.jpg")
                try jpeg.prefix(jpeg.count / 2).write(to: file)
                (status, mentions) = (4, "truncated")
            case .noFace:
                try Fixtures.cropped("obama.jpg", x: 0, y: 560, width: 910, height: 577).write(to: file)
                (status, mentions) = (3, "no face")
            }
            let result = try await Self.run(["face", "compare", Self.image("obama.jpg"), file.path, "--workers", "1"])
            #expect(result.status == status, "stderr: \(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(result.stderr.contains(mentions))
            #expect(result.stderr.contains(file.lastPathComponent))
        }
    }

    @Test("analyze --json reports faces, quality and timings per image, and no templates")
    func analyzeJSON() async throws {
        let result = try await Self.run(["face", "analyze", Self.image("obama.jpg"), Self.image("32bit.png"), "--json", "--workers", "2"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        try #require(reports.count == 2)
        #expect(reports[1]["format"] as? String == "png")
        let faces = try #require(reports[0]["faces"] as? [[String: Any]])
        #expect(faces.count == 1)
        let quality = try #require(faces[0]["quality"] as? [String: Double])
        let interEye = try #require(quality["inter_eye_pixels"])
        #expect(interEye > 50)
        let timings = try #require(reports[0]["timings"] as? [String: Double])
        let embedMs = try #require(timings["embed_ms"])
        #expect(embedMs > 0)
        #expect(!result.stdout.contains("embedding"))
    }

    @Test("simulate --json reports the documented keys; --what-if runs the same city under a second rules file")
    func simulateJSON() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let keys: Set<String> = [
                "silent_share", "reminded_monthly_share", "field_checks_monthly", "strong_share", "fraud_cases", "fraud_caught",
                "overpaid_days_after_death", "overpaid_yuan", "recovered_yuan", "open_recovery_yuan",
            ]
            let small = ["simulate", "--persons", "200", "--months", "8", "--warm-up", "2", "--json"]
            let result = try await Self.run(small)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(keys.isSubset(of: Set(json.keys)), "\(json.keys.sorted())")
            #expect(Set((json["overpaid_days_after_death"] as? [String: Double])?.keys ?? [:].keys) == ["median", "p95"])
            // The shipped rules with behaviour carrying a person five years: the same city, side by side.
            var rules = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: Self.repository.appending(path: "Sources/Ledger/Resources/ledger-rules.json")))
                    as? [String: Any])
            var model = try #require(rules["behaviour_model"] as? [String: Any])
            model["anchor_months"] = 60
            rules["behaviour_model"] = model
            let file = folder.appending(path: "rules.json")
            try JSONSerialization.data(withJSONObject: rules).write(to: file)
            let both = try await Self.run(small + ["--what-if", file.path])
            let pair = try #require(try JSONSerialization.jsonObject(with: Data(both.stdout.utf8)) as? [String: [String: Any]])
            #expect(
                pair["base"]?["deaths"] as? Int == json["deaths"] as? Int && pair["what_if"]?["deaths"] as? Int == json["deaths"] as? Int)
            let text = try await Self.run(Array(small.dropLast()) + ["--what-if", file.path])
            #expect(text.stdout.contains("certified silently") && text.stdout.contains("rules.json"))
            let bad = try await Self.run(["simulate", "--months", "12", "--warm-up", "12"])
            #expect(bad.status != 0 && bad.stderr.contains("--warm-up"))
        }
    }

    @Test("eval --json reports the documented keys")
    func evalJSON() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let pairs = folder.appending(path: "pairs.tsv")
            try """
            path_a\tpath_b\tsame\tnote
            obama.jpg\tobama2.jpg\t1\tx
            obama.jpg\tobama3.jpg\t1\tx
            obama.jpg\tbiden.jpg\t0\tx
            obama3.jpg\tbiden.jpg\t0\tx
            missing.jpg\tbiden.jpg\t0\tx
            """.write(to: pairs, atomically: true, encoding: .utf8)
            let result = try await Self.run(["eval", "--pairs", pairs.path, "--root", Self.images.path, "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(json["pairs"] as? Int == 4)
            #expect(json["no_face"] as? Int == 1)
            #expect(json["auc"] as? Double == 1)
            #expect(json["best_accuracy"] as? Double == 1)
            #expect(json["best_threshold"] is Double)
            #expect(json["accuracy_at_threshold"] as? Double == 1)
            let fnmr = try #require(json["fnmr_at_fmr"] as? [String: Double])
            #expect(Set(fnmr.keys) == ["0.01", "0.001"])
        }
    }

    @Test(
        "an out-of-range option is a usage error naming the option",
        arguments: [
            (["--workers", "0"], "workers"), (["--detection-size", "20"], "detection size"),
        ])
    func badOption(option: [String], mentions: String) async throws {
        let result = try await Self.run(["face", "analyze", Self.image("obama.jpg")] + option)
        #expect(result.status == 64)
        #expect(result.stderr.contains(mentions))
    }

    @Test("eval refuses a malformed pair list, naming the line")
    func evalMalformed() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let pairs = folder.appending(path: "pairs.tsv")
            try "path_a\tpath_b\tsame\na.jpg\tb.jpg\tmaybe\n".write(to: pairs, atomically: true, encoding: .utf8)
            let result = try await Self.run(["eval", "--pairs", pairs.path, "--root", folder.path])
            #expect(result.status == 4)
            #expect(result.stderr.contains("line 2"))
        }
    }
}

/// `fastcert calibrate` end to end on the fixture photos.
@Suite("fastcert calibrate")
struct CalibrateCommandTests {
    @Test("writes a calibration file whose threshold lies under every impostor, and says when the impostors are too few for the target")
    func calibrate() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-calibrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        path_a\tpath_b\tsame
        obama.jpg\tobama2.jpg\t1
        obama.jpg\tobama3.jpg\t1
        obama2.jpg\tobama3.jpg\t1
        obama.jpg\tbiden.jpg\t0
        """.write(to: folder.appending(path: "pairs.tsv"), atomically: true, encoding: .utf8)
        try """
        path_a\tpath_b\tsame
        obama2.jpg\tbiden.jpg\t0
        obama3.jpg\tbiden.jpg\t0
        """.write(to: folder.appending(path: "impostors.tsv"), atomically: true, encoding: .utf8)
        let out = folder.appending(path: "calibration.json")
        let run = try await CommandLineTests.run([
            "calibrate", "--pairs", folder.appending(path: "pairs.tsv").path, "--impostors", folder.appending(path: "impostors.tsv").path,
            "--root", Fixtures.images.path, "--target-fmr", "1e-3", "--out", out.path, "--workers", "1",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("3 genuine, 3 impostor") && run.stdout.contains("warning:"), "\(run.stdout)")
        let calibration = try Calibration.load(out)
        #expect(calibration.falseMatches == 0 && !calibration.targetShown && calibration.falseNonMatches == 0)
        // An impostor list with a genuine pair in it is refused.
        let bad = try await CommandLineTests.run([
            "calibrate", "--pairs", folder.appending(path: "pairs.tsv").path, "--impostors", folder.appending(path: "pairs.tsv").path,
            "--root", Fixtures.images.path, "--out", out.path,
        ])
        #expect(bad.status != 0 && bad.stderr.contains("same = 0"))
    }
}

/// Enrollment with several photos (`eval-enrollment`, `calibrate --root PEOPLE --references N`) on
/// a folder of people made from the fixtures: Obama's three photos, Biden's photo and a darker copy.
@Suite("fastcert eval-enrollment and calibrate by people")
struct PeopleFolderCommandTests {
    static func people(in folder: URL) throws {
        let files = FileManager.default
        for (person, photos) in [
            (
                "obama",
                [
                    ("1.jpg", try Fixtures.image("obama.jpg")), ("2.jpg", try Fixtures.image("obama2.jpg")),
                    ("3.jpg", try Fixtures.image("obama3.jpg")),
                ]
            ),
            ("biden", [("1.jpg", try Fixtures.image("biden.jpg")), ("2.jpg", try Fixtures.degraded("biden.jpg", .dark))]),
        ] {
            try files.createDirectory(at: folder.appending(path: person), withIntermediateDirectories: true)
            for (name, data) in photos { try data.write(to: folder.appending(path: "\(person)/\(name)")) }
        }
        try Data("not a photo".utf8).write(to: folder.appending(path: "README.txt"))
    }

    @Test("eval-enrollment scores every rule on the same attempts and counts the retries")
    func evalEnrollment() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-people-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.people(in: folder)
        let run = try await CommandLineTests.run([
            "eval-enrollment", "--root", folder.path, "--references", "1", "--json", "--workers", "1",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let output = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(output["enrolled_people"] as? Int == 2 && output["images"] as? Int == 5)
        let rules = try #require(output["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["rule"] as? String } == GalleryRule.allCases.map(\.rawValue))
        // Obama's 2 and 3 against his 1, Biden's dark copy against his photo; each against the other man.
        #expect(rules.allSatisfy { $0["genuine_attempts"] as? Int == 3 && $0["impostor_attempts"] as? Int == 3 })
        #expect(rules.allSatisfy { $0["fnmr_at_threshold"] as? Double == 0 && $0["fmr_at_threshold"] as? Double == 0 })
        let retry = try #require(output["retry"] as? [String: Any])
        #expect(retry["rule"] as? String == "mean_template" && retry["refused"] as? Int == 0)

        // A threshold under every genuine distance refuses them all; the retries are each person's next photo.
        let strict = try await CommandLineTests.run(["eval-enrollment", "--root", folder.path, "--references", "1", "--threshold", "0.01"])
        #expect(strict.status == 0 && strict.stdout.contains("3 of 3 genuine attempts refused"), "\(strict.stdout)")
        #expect(strict.stdout.contains("1 refused attempts had a next photo; 0 rescued"), "\(strict.stdout)")
        // Too few people with enough photos: a clear error.
        let tooFew = try await CommandLineTests.run(["eval-enrollment", "--root", folder.path, "--references", "2"])
        #expect(tooFew.status != 0 && tooFew.stderr.contains("fewer than two people"), "\(tooFew.stderr)")
    }

    @Test("calibrate --root PEOPLE --references N calibrates the service's rule and says so in the file")
    func calibrateByPeople() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-people-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.people(in: folder)
        let out = folder.appending(path: "calibration.json")
        let run = try await CommandLineTests.run([
            "calibrate", "--root", folder.path, "--references", "1", "--target-fmr", "1e-2", "--out", out.path, "--workers", "1",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("3 genuine, 3 impostor") && run.stdout.contains("mean_template of 1 reference photo"), "\(run.stdout)")
        let calibration = try Calibration.load(out)
        #expect(calibration.comparison == "mean_template of 1 reference photo" && calibration.falseNonMatches == 0)
        // --references belongs to a folder of people.
        let mixed = try await CommandLineTests.run([
            "calibrate", "--pairs", out.path, "--root", folder.path, "--references", "2", "--out", out.path,
        ])
        #expect(mixed.status != 0 && mixed.stderr.contains("--references is for a folder of people"), "\(mixed.stderr)")
        // A cohort among photos all in one folder has no other people: said so, not a bare failure.
        try """
        path_a\tpath_b\tsame
        obama.jpg\tobama2.jpg\t1
        obama.jpg\tbiden.jpg\t0
        """.write(to: folder.appending(path: "pairs.tsv"), atomically: true, encoding: .utf8)
        let flat = try await CommandLineTests.run([
            "eval", "--pairs", folder.appending(path: "pairs.tsv").path, "--root", Fixtures.images.path, "--cohort", "5", "--workers", "1",
        ])
        #expect(flat.status != 0 && flat.stderr.contains("one sub-folder of --root per person"), "\(flat.stderr)")
    }

    @Test("with --cohort, eval-enrollment scores the cohort rule and calibrate writes the file the service's cohort rule reads")
    func cohortByPeople() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-people-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.people(in: folder)
        // Two more people for the cohort, each with one photo (the second a darker copy of the
        // first: a stand-in, the fixtures hold three faces); never enrolled, always in the cohort.
        for (person, data) in [("c", try Fixtures.image("32bit.png")), ("d", try Fixtures.degraded("32bit.png", .dark))] {
            try FileManager.default.createDirectory(at: folder.appending(path: person), withIntermediateDirectories: true)
            try data.write(to: folder.appending(path: "\(person)/1.jpg"))
        }
        // At a z threshold no genuine attempt reaches, the cohort row's rates there: every one turned away.
        let eval = try await CommandLineTests.run([
            "eval-enrollment", "--root", folder.path, "--references", "1", "--cohort", "2", "--cohort-threshold=-100", "--json",
            "--workers", "1",
        ])
        #expect(eval.status == 0, "\(eval.stderr)")
        let output = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        #expect(output["cohort"] as? Int == 2 && output["cohort_members"] as? Int == 4)
        let rows = try #require(output["rules"] as? [[String: Any]])
        let cohortRow = try #require(rows.first { $0["rule"] as? String == "mean_template+cohort" })
        // Every attempt keeps two other people after the claimed person and the probe's own are left out.
        #expect(cohortRow["genuine_attempts"] as? Int == 3 && cohortRow["impostor_attempts"] as? Int == 7, "\(cohortRow)")
        #expect(cohortRow["fnmr_at_threshold"] as? Double == 1 && cohortRow["fmr_at_threshold"] as? Double == 0, "\(cohortRow)")

        let out = folder.appending(path: "calibration.json")
        let run = try await CommandLineTests.run([
            "calibrate", "--root", folder.path, "--references", "1", "--cohort", "2", "--target-fmr", "1e-2", "--out", out.path,
            "--workers", "1",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("distance threshold:") && run.stdout.contains("cohort-normalized z-values"), "\(run.stdout)")
        let calibration = try Calibration.load(out)
        let policy = try #require(calibration.cohortPolicy)
        #expect(
            policy.normalization.size == 2 && policy.members == 4
                && calibration.cohortCapacity == FaceCohort.defaultCapacity)
        #expect(policy.threshold == calibration.matchThreshold && calibration.distanceThreshold != nil)
        // --cohort-people needs --cohort; a cohort larger than the people is refused.
        let alone = try await CommandLineTests.run(["calibrate", "--root", folder.path, "--cohort-people", "10"])
        #expect(alone.status != 0 && alone.stderr.contains("--cohort-people goes with --cohort"), "\(alone.stderr)")
        let large = try await CommandLineTests.run([
            "calibrate", "--root", folder.path, "--cohort", "5", "--out", out.path, "--workers", "1",
        ])
        #expect(large.status != 0 && large.stderr.contains("use a smaller --cohort"), "\(large.stderr)")
    }
}
