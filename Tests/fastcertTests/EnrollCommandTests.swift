import Foundation
import Ledger
import TestSupport
import Testing

/// `fastcert enroll` and `fastcert enrollments`, through the real binary: one person, a batch, a
/// batch killed and resumed, the duplicate check, and the same batch through a live server.
@Suite("fastcert enroll")
struct EnrollCommandTests {
    /// Resident IDs of the ledger these tests load (all in one community).
    static let ids = (1...24).map { ResidentID.completing(String(format: "37020219400315%03d", $0))!.value }

    static func masked(_ id: String) -> String { (try? ResidentID(id))?.masked ?? id }

    /// The SHA-256 of a file, by sha256sum.
    static func sha256(_ path: String) async throws -> String {
        String(try await Subprocess.run(URL(filePath: "/usr/bin/sha256sum"), [path]).stdout.prefix(64))
    }

    /// A database with the units and 24 persons, in `folder`.
    static func ledger(in folder: URL) async throws -> String {
        let database = folder.appending(path: "enroll.sqlite").path
        try ServeCommandTests.units.write(to: folder.appending(path: "units.csv"), atomically: true, encoding: .utf8)
        var persons = "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile\n"
        for (n, id) in ids.enumerated() { persons += "\(id),P\(n),1940-03-15,370202001001,3,3200.50,,,0,0\n" }
        try persons.write(to: folder.appending(path: "persons.csv"), atomically: true, encoding: .utf8)
        #expect(
            try await CommandLineTests.run(["units", "import", folder.appending(path: "units.csv").path, "--database", database]).status
                == 0)
        #expect(
            try await CommandLineTests.run(["persons", "import", folder.appending(path: "persons.csv").path, "--database", database]).status
                == 0)
        return database
    }

    /// A batch folder: PERSON_ID/ folders holding copies of fixture photos.
    static func batch(in folder: URL, _ layout: [(String, [String])]) throws -> URL {
        let root = folder.appending(path: "batch")
        for (id, photos) in layout {
            let person = root.appending(path: id)
            try FileManager.default.createDirectory(at: person, withIntermediateDirectories: true)
            for photo in photos {
                let data: Data =
                    switch photo {
                    case "junk.jpg": Data("not a photo".utf8)
                    case "noface.jpg": try Fixtures.cropped("obama.jpg", x: 0, y: 600, width: 400, height: 500)  // his suit, no face
                    default: try Fixtures.image(photo)
                    }
                try data.write(to: person.appending(path: photo))
            }
        }
        return root
    }

    @Test("one person: photos reported one by one; two people, a second enrollment without --replace, and nothing usable are refused")
    func enrollOne() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let database = try await Self.ledger(in: folder)
            let id = Self.ids[0]
            func enroll(_ arguments: [String]) async throws -> CommandLineTests.Run {
                try await CommandLineTests.run(
                    ["enroll", "--consent-by", "person", id] + arguments + ["--database", database, "--workers", "1"])
            }
            let mixed = try await enroll([Fixtures.path("obama.jpg"), Fixtures.path("biden.jpg")])
            #expect(mixed.status == 4 && mixed.stdout.contains("do not show the same person"), "\(mixed.stdout)")
            #expect(mixed.stdout.contains("obama.jpg and \(Fixtures.path("biden.jpg")) do not show"), "the photos named: \(mixed.stdout)")
            let junk = folder.appending(path: "junk.jpg")
            try Data("not a photo".utf8).write(to: junk)
            let good = try await enroll([Fixtures.path("obama.jpg"), Fixtures.path("obama2.jpg"), junk.path])
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout.contains("obama.jpg: accepted"))
            #expect(good.stdout.contains("junk.jpg: rejected: not a JPEG or PNG image"))
            #expect(good.stdout.contains("enrolled with 2 reference photo(s)") && !good.stdout.contains("one photo:"))
            #expect(!good.stdout.contains(id), "resident IDs are masked in the output")
            #expect(FileManager.default.fileExists(atPath: database + ".template-key"))
            let again = try await enroll([Fixtures.path("obama3.jpg")])
            #expect(again.status == 4 && again.stdout.contains("already_enrolled"))
            let dry = try await enroll([Fixtures.path("obama3.jpg"), "--replace", "--dry-run"])
            #expect(dry.status == 0 && dry.stdout.contains("dry run: would enroll 1"))
            let huge = folder.appending(path: "huge.jpg")
            FileManager.default.createFile(atPath: huge.path, contents: nil)
            try FileHandle(forWritingTo: huge).truncate(atOffset: 25 << 20)  // sparse: never read into memory
            let tooLarge = try await enroll([huge.path, "--replace"])
            #expect(tooLarge.status == 4 && tooLarge.stdout.contains("[image_too_large]"), "\(tooLarge.stdout)")
            let nothing = try await enroll([junk.path, "--replace"])
            #expect(nothing.status == 4 && nothing.stdout.contains("no photo was good enough"))
            let otherKey = folder.appending(path: "other.key")
            try (String(repeating: "ab", count: 32) + "\n").write(to: otherKey, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: otherKey.path)
            let wrongKey = try await enroll([Fixtures.path("biden.jpg"), "--template-key-file", otherKey.path])
            #expect(wrongKey.status == 4 && wrongKey.stderr.contains("wrong key file"), "\(wrongKey.stderr)")
            let replaced = try await enroll([Fixtures.path("obama3.jpg"), "--replace"])
            #expect(replaced.status == 0 && replaced.stdout.contains("re-enrolled with 1 reference photo(s)"))
            let show = try await CommandLineTests.run(["enrollments", "show", id, "--database", database])
            #expect(show.status == 0)
            #expect(show.stdout.contains("enrolled: 1 reference photo(s)"))
            #expect(show.stdout.contains("sha256 \(try await Self.sha256(Fixtures.path("obama3.jpg")))"))
            #expect(show.stdout.contains("  enrolled  2 photo(s)") && show.stdout.contains("  replaced  1 photo(s)"))
            let deleted = try await CommandLineTests.run(["enrollments", "delete", id, "--reason", "test", "--database", database])
            #expect(deleted.status == 0)
            let after = try await CommandLineTests.run(["enrollments", "show", id, "--database", database])
            #expect(after.stdout.contains("not enrolled") && after.stdout.contains("deleted  0 photo(s)"))
            let twice = try await CommandLineTests.run(["enrollments", "delete", id, "--database", database])
            #expect(twice.status == 4 && twice.stderr.contains("no enrolled face"))
        }
    }

    @Test("a batch folder: one line per person, the duplicate face refused, a report of every photo not enrolled; a re-run skips")
    func batchFolder() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let database = try await Self.ledger(in: folder)
            let (obama, biden, empty, copy) = (Self.ids[0], Self.ids[1], Self.ids[2], Self.ids[3])
            let root = try Self.batch(
                in: folder,
                [
                    (obama, ["obama.jpg", "obama2.jpg"]), (biden, ["biden.jpg"]), (empty, ["junk.jpg", "noface.jpg"]),
                    (copy, ["obama3.jpg"]),
                ])
            let unknown = ResidentID.completing("37020219400315999")!.value
            try FileManager.default.createDirectory(at: root.appending(path: unknown), withIntermediateDirectories: true)
            try Fixtures.image("biden.jpg").write(to: root.appending(path: "\(unknown)/a.jpg"))
            let report = folder.appending(path: "report.csv")
            func run() async throws -> CommandLineTests.Run {
                try await CommandLineTests.run([
                    "enroll", "--consent-by", "person", "--batch", root.path, "--report", report.path, "--database", database, "--workers",
                    "2",
                ])
            }
            let first = try await run()
            #expect(first.status == 4, "\(first.stderr)")
            // obama3 under a second ID may come before obama's own enrollment (two workers): one of the two is refused.
            let refused = [obama, copy].filter { first.stdout.contains("\(Self.masked($0)): not enrolled: the face is already enrolled") }
            #expect(refused.count == 1, "\(first.stdout)")
            #expect(first.stdout.contains("\(Self.masked(biden)): enrolled with 1 reference photo(s)"))
            #expect(first.stdout.contains("one photo: 1 person(s) enrolled with a single reference photo"), "\(first.stdout)")
            #expect(first.stdout.contains("junk.jpg: rejected: not a JPEG or PNG image"))
            #expect(first.stdout.contains("noface.jpg: rejected: no face found"), "\(first.stdout)")
            #expect(first.stdout.contains("\(Self.masked(empty)): not enrolled: no photo was good enough"))
            #expect(first.stdout.contains("\(Self.masked(unknown)): not enrolled: no person"))
            #expect(first.stdout.contains("summary: 5 person(s): 2 enrolled, 1 duplicate identity"), "\(first.stdout)")
            #expect(first.stderr.contains("progress: 7/7 photos (100%)"))
            let rows = try String(contentsOf: report, encoding: .utf8).split(separator: "\n").dropFirst()
            #expect(rows.contains { $0.hasPrefix("\(empty),") && $0.contains(",rejected,unsupported_format,") })
            #expect(rows.contains { $0.hasPrefix("\(empty),") && $0.contains("noface.jpg,rejected,no_face,\"no face found") })
            #expect(rows.contains { $0.hasPrefix("\(unknown),") && $0.contains(",failed,person_not_found,") })
            #expect(rows.contains { $0.contains(",duplicate_identity,duplicate_identity,") })
            #expect(rows.count == 4 + (refused == [obama] ? 1 : 0), "\(rows)")

            let second = try await run()
            #expect(second.stdout.contains("2 skipped (already enrolled from these photos)"), "\(second.stdout)")
            #expect(second.stdout.contains("1 duplicate identity"))
            #expect(try String(contentsOf: report, encoding: .utf8).split(separator: "\n").count == rows.count + 1, "the same report")

            // The CSV form of the same batch, with relative paths, gives the same answer.
            var csv = "person_id,photo_path\n"
            csv += "\(biden),batch/\(biden)/biden.jpg\n"
            try csv.write(to: folder.appending(path: "batch.csv"), atomically: true, encoding: .utf8)
            let fromCSV = try await CommandLineTests.run([
                "enroll", "--consent-by", "person", "--batch", folder.appending(path: "batch.csv").path, "--report", report.path,
                "--database", database,
            ])
            #expect(fromCSV.status == 0 && fromCSV.stdout.contains("1 skipped"), "\(fromCSV.stdout)")
            let listed = try await CommandLineTests.run(["enrollments", "list", "--database", database])
            #expect(listed.stdout.contains("2 enrolled person(s)") && listed.stdout.contains(biden))
        }
    }

    @Test("SIGKILL mid-batch: every person reported enrolled is stored; the re-run skips them and enrolls the rest")
    func killedBatch() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let database = try await Self.ledger(in: folder)
            // 24 persons, each with their own copy of a photo: --allow-duplicate lets the same face be enrolled under each.
            let root = try Self.batch(in: folder, Self.ids.enumerated().map { ($1, [["obama.jpg", "obama2.jpg", "biden.jpg"][$0 % 3]]) })
            let arguments = [
                "enroll", "--consent-by", "person", "--batch", root.path, "--allow-duplicate", "--report",
                folder.appending(path: "r.csv").path, "--database",
                database, "--workers", "1",
            ]
            let process = Process()
            process.executableURL = CommandLineTests.binary
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            let child = try await Subprocess.start(process)
            var text = ""
            for await chunk in Subprocess.chunks(output.fileHandleForReading) {
                text += String(decoding: chunk, as: UTF8.self)
                if text.components(separatedBy: ": enrolled with").count - 1 >= 3 { break }
            }
            kill(process.processIdentifier, SIGKILL)
            await child.exit()
            #expect(process.terminationReason == .uncaughtSignal, "the batch finished before it could be killed")
            let reported = text.split(separator: "\n").filter { $0.contains(": enrolled with") }.count
            let stored = try await CommandLineTests.run(["enrollments", "list", "--limit", "1000", "--database", database])
            let storedCount = stored.stdout.split(separator: "\n").filter { $0.contains("photo(s)") }.count
            #expect(reported >= 3 && storedCount >= reported && storedCount < Self.ids.count, "\(reported) reported, \(storedCount) stored")

            let rerun = try await CommandLineTests.run(arguments)
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            #expect(rerun.stdout.contains("\(storedCount) skipped"), "\(rerun.stdout)")
            #expect(rerun.stdout.contains("\(Self.ids.count - storedCount) enrolled"))
            let all = try await CommandLineTests.run(["enrollments", "list", "--limit", "1000", "--database", database])
            #expect(all.stdout.contains("\(Self.ids.count) enrolled person(s)"))
        }
    }

    @Test("Ctrl-C mid-batch: the enrollments in progress finish, everything stored is reported, the summary says how to resume")
    func interruptedBatch() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let database = try await Self.ledger(in: folder)
            let root = try Self.batch(in: folder, Self.ids.enumerated().map { ($1, [["obama.jpg", "obama2.jpg", "biden.jpg"][$0 % 3]]) })
            let process = Process()
            process.executableURL = CommandLineTests.binary
            process.arguments = [
                "enroll", "--consent-by", "person", "--batch", root.path, "--allow-duplicate", "--report",
                folder.appending(path: "r.csv").path, "--database",
                database, "--workers", "2",
            ]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            let child = try await Subprocess.start(process)
            var text = ""
            var chunks = Subprocess.chunks(output.fileHandleForReading).makeAsyncIterator()
            while !text.contains(": enrolled with"), let chunk = await chunks.next() {
                text += String(decoding: chunk, as: UTF8.self)
            }
            kill(process.processIdentifier, SIGINT)
            while let chunk = await chunks.next() { text += String(decoding: chunk, as: UTF8.self) }
            await child.exit()
            #expect(process.terminationStatus == 130, "\(text)")
            #expect(text.contains("interrupted: the persons reported above are stored"))
            let reported = text.split(separator: "\n").filter { $0.contains(": enrolled with") }.count
            let stored = try await CommandLineTests.run(["enrollments", "list", "--limit", "1000", "--database", database])
            #expect(stored.stdout.contains("\(reported) enrolled person(s)") && reported < Self.ids.count, "\(reported): \(stored.stdout)")
        }
    }

    @Test("remote mode: a batch through a live server gives the same lines; show and delete remotely; the service sees local enrollments")
    func remote() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let database = try await Self.ledger(in: folder)
            let (obama, biden, copy) = (Self.ids[0], Self.ids[1], Self.ids[3])
            let root = try Self.batch(in: folder, [(obama, ["obama.jpg", "obama2.jpg", "junk.jpg"]), (biden, ["biden.jpg"])])
            let key = try await CommandLineTests.run([
                "keys", "create", "--role", "operator", "--unit", "370202", "--name", "district office", "--holder", "li.wei", "--database",
                database,
            ]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let auditor = try await CommandLineTests.run([
                "keys", "create", "--role", "auditor", "--unit", "370202", "--name", "audit", "--database", database,
            ]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let server = try await ServeCommandTests.start(database: database, folder: folder)
            defer { if server.process.isRunning { server.process.terminate() } }
            let url = "http://127.0.0.1:\(server.port)"
            let report = folder.appending(path: "remote.csv")
            let batch = try await CommandLineTests.run([
                "enroll", "--consent-by", "person", "--batch", root.path, "--report", report.path, "--server", url, "--key", key,
            ])
            #expect(batch.status == 0, "\(batch.stdout)\(batch.stderr)")
            #expect(batch.stdout.contains("\(Self.masked(obama)): enrolled with 2 reference photo(s)"))
            #expect(batch.stdout.contains("junk.jpg: rejected: not a JPEG or PNG image"))
            #expect(batch.stdout.contains("summary: 2 person(s): 2 enrolled"))
            #expect(try String(contentsOf: report, encoding: .utf8).contains(",rejected,unsupported_format,"))
            let again = try await CommandLineTests.run([
                "enroll", "--consent-by", "person", "--batch", root.path, "--report", report.path, "--server", url, "--key", key,
            ])
            #expect(again.stdout.contains("2 skipped"), "\(again.stdout)")
            // The duplicate check runs on the server's index.
            let duplicate = try await CommandLineTests.run([
                "enroll", "--consent-by", "person", copy, Fixtures.path("obama3.jpg"), "--server", url, "--key", key,
            ])
            #expect(duplicate.status == 4 && duplicate.stdout.contains("already enrolled as \(obama)"), "\(duplicate.stdout)")
            let show = try await CommandLineTests.run(["enrollments", "show", obama, "--server", url, "--key", auditor])
            #expect(show.stdout.contains("enrolled: 2 reference photo(s)") && show.stdout.contains("by li.wei via fc_"), "\(show.stdout)")
            let forbidden = try await CommandLineTests.run(["enrollments", "delete", obama, "--server", url, "--key", auditor])
            #expect(forbidden.status == 4 && forbidden.stderr.contains("forbidden_role"), "\(forbidden.stderr)")
            let deleted = try await CommandLineTests.run([
                "enrollments", "delete", obama, "--reason", "re-take", "--server", url, "--key", key,
            ])
            #expect(deleted.status == 0, "\(deleted.stderr)")
            // The command line enrolls on the same database beside the running service: the service's index follows.
            let local = try await CommandLineTests.run([
                "enroll", "--consent-by", "person", copy, Fixtures.path("obama3.jpg"), "--database", database, "--workers", "1",
            ])
            #expect(local.status == 0, "\(local.stdout)\(local.stderr)")
            let seen = try await CommandLineTests.run([
                "enroll", "--consent-by", "person", Self.ids[5], Fixtures.path("obama.jpg"), "--server", url, "--key", key,
            ])
            #expect(seen.status == 4 && seen.stdout.contains("already enrolled as \(copy)"), "\(seen.stdout)")
            let wrongKey = try await CommandLineTests.run([
                "enroll", "--consent-by", "person", "--batch", root.path, "--report", report.path, "--server", url, "--key", "fc_0.bad",
            ])
            #expect(wrongKey.status == 4 && wrongKey.stderr.contains("refused the key"), "\(wrongKey.stdout)\(wrongKey.stderr)")
            let unreachable = try await CommandLineTests.run([
                "enroll", "--consent-by", "person", "--batch", root.path, "--report", report.path, "--server", "http://127.0.0.1:1",
                "--key", key,
            ])
            #expect(unreachable.status == 4 && unreachable.stderr.contains("cannot reach"), "\(unreachable.stderr)")
            #expect(unreachable.stdout.contains(" failed") && !unreachable.stdout.contains("enrolled with"), "\(unreachable.stdout)")
            let log = try String(contentsOf: server.log, encoding: .utf8)
            #expect(!log.contains(obama) && !log.contains(biden), "resident IDs are masked in the server's log")
        }
    }
}
