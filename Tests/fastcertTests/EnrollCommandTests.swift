import Foundation
import Ledger
import TestSupport
import Testing

/// `fastcert enroll` on a local database, through the real binary.
@Suite("fastcert enroll")
struct EnrollCommandTests {
    @Test("photos are reported one by one; two people, a second enrollment without --replace, and nothing usable are refused")
    func enroll() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let database = folder.appending(path: "enroll.sqlite").path
            let id = ResidentID.completing("37020219400315001")!.value
            try ServeCommandTests.units.write(to: folder.appending(path: "units.csv"), atomically: true, encoding: .utf8)
            try """
            resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
            \(id),Wang Fang,1940-03-15,370202001001,3,3200.50,,,0,0
            """.write(to: folder.appending(path: "persons.csv"), atomically: true, encoding: .utf8)
            _ = try CommandLineTests.run(["units", "import", folder.appending(path: "units.csv").path, "--database", database])
            _ = try CommandLineTests.run(["persons", "import", folder.appending(path: "persons.csv").path, "--database", database])
            func enroll(_ arguments: [String]) throws -> CommandLineTests.Run {
                try CommandLineTests.run(["enroll", id] + arguments + ["--database", database, "--workers", "1"])
            }
            let mixed = try enroll([Fixtures.path("obama.jpg"), Fixtures.path("biden.jpg")])
            #expect(mixed.status == 4 && mixed.stderr.contains("do not show the same person"))
            let junk = folder.appending(path: "junk.jpg")
            try Data("not a photo".utf8).write(to: junk)
            let good = try enroll([Fixtures.path("obama.jpg"), Fixtures.path("obama2.jpg"), junk.path])
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout.contains("junk.jpg: rejected: not a JPEG or PNG image"))
            #expect(good.stdout.contains("enrolled 2 reference photo(s)"))
            #expect(!good.stdout.contains(id), "resident IDs are masked in the output")
            #expect(FileManager.default.fileExists(atPath: database + ".template-key"))
            let again = try enroll([Fixtures.path("obama3.jpg")])
            #expect(again.status == 4 && again.stderr.contains("--replace"))
            let dry = try enroll([Fixtures.path("obama3.jpg"), "--replace", "--dry-run"])
            #expect(dry.status == 0 && dry.stdout.contains("dry run: would enroll 1"))
            let nothing = try enroll([junk.path, "--replace"])
            #expect(nothing.status == 4 && nothing.stderr.contains("no photo was good enough"))
            let status = try CommandLineTests.run(["db", "status", "--database", database])
            #expect(status.stdout.contains("face_template: 1"))
            let replaced = try enroll([Fixtures.path("obama3.jpg"), "--replace"])
            #expect(replaced.status == 0 && replaced.stdout.contains("enrolled 1 reference photo(s)"))
        }
    }
}
