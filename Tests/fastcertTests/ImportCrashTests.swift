import Foundation
import Ledger
import TestSupport
import Testing

/// Kills the evidence importer with SIGKILL in the middle of a file: every batch it reported as
/// committed is in the ledger, no batch is there in part, and a re-run completes the file. The
/// importer runs with `--step` (it waits for a line after each committed batch), so the kill lands
/// where the test chose, never after the importer has already finished.
@Suite("Import crash safety")
struct ImportCrashTests {
    static let batch = 500

    @Test("SIGKILL mid-import loses no committed batch and leaves no partial one")
    func killedImport() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let database = ["--database", folder.appending(path: "ledger.sqlite").path]
            let units = folder.appending(path: "units.csv")
            try
                "code,name,level,parent_code\n3702,Q,city,\n370202,S,district,3702\n370202001,B,street,370202\n370202001001,T,community,370202001\n"
                .write(to: units, atomically: true, encoding: .utf8)
            var persons = "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile\n"
            var ids: [String] = []
            for n in 0..<200 {
                let id = ResidentID.completing(String(format: "37020219500101%03d", n))!.value
                ids.append(id)
                persons += "\(id),P\(n),1950-01-01,370202001001,\(n % 5 + 1),3000,,,0,0\n"
            }
            let personsFile = folder.appending(path: "persons.csv")
            try persons.write(to: personsFile, atomically: true, encoding: .utf8)
            #expect(try await CommandLineTests.run(["units", "import", units.path] + database).status == 0)
            #expect(
                try await CommandLineTests.run(["persons", "import", personsFile.path, "--today", "2025-01-01"] + database).status == 0)

            let rows = 20_000
            var feed = "source,external_id,resident_id,kind,observed_at\n"
            for n in 0..<rows {
                feed +=
                    "social_security_bureau,S-\(n),\(ids[n % ids.count]),contribution_payment,2025-\(String(format: "%02d-%02d", n % 12 + 1, n % 28 + 1))\n"
            }
            let feedFile = folder.appending(path: "feed.csv")
            try feed.write(to: feedFile, atomically: true, encoding: .utf8)

            let process = Process()
            process.executableURL = CommandLineTests.binary
            process.arguments = ["evidence", "import", feedFile.path, "--batch", String(Self.batch), "--step"] + database
            let errors = Pipe()
            let input = Pipe()
            process.standardError = errors
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            let child = try await Subprocess.start(process)
            var reported = 0
            var buffer = ""
            var chunks = Subprocess.chunks(errors.fileHandleForReading).makeAsyncIterator()
            while reported < 3 * Self.batch, let chunk = await chunks.next() {
                buffer += String(decoding: chunk, as: UTF8.self)
                let before = reported
                for line in buffer.split(separator: "\n") where line.hasPrefix("committed ") {
                    reported = max(reported, Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0)
                }
                // Each reported batch waits for our line; the third is held until the kill below.
                if reported > before && reported < 3 * Self.batch { input.fileHandleForWriting.write(Data("\n".utf8)) }
            }
            // Release the fourth batch and kill the importer while it writes it (or just before).
            input.fileHandleForWriting.write(Data("\n".utf8))
            kill(process.processIdentifier, SIGKILL)
            await child.exit()
            #expect(process.terminationReason == .uncaughtSignal, "the importer was not running when killed")

            func evidenceRows() async throws -> Int {
                let status = try await CommandLineTests.run(["db", "status"] + database)
                let line = status.stdout.split(separator: "\n").first { $0.hasPrefix("evidence: ") }
                return Int(line?.split(separator: " ").last ?? "") ?? -1
            }
            let present = try await evidenceRows()
            #expect(present >= reported, "a batch reported committed is missing")
            #expect(present % Self.batch == 0, "a partial batch was written: \(present) rows")
            #expect(present < rows)

            let rerun = try await CommandLineTests.run(["evidence", "import", feedFile.path, "--batch", String(Self.batch)] + database)
            #expect(rerun.status == 0)
            #expect(rerun.stdout.contains("\(rows - present) imported, \(present) already present"))
            #expect(try await evidenceRows() == rows)
        }
    }
}
