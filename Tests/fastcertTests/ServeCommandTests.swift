import Foundation
import Ledger
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `fastcert serve` as a deployment runs it: the real binary on a socket, probed by schemathesis
/// (PyPI) from the OpenAPI document it serves, then stopped with SIGTERM.
@Suite("fastcert serve")
struct ServeCommandTests {
    /// schemathesis' `st`, installed by scripts/setup.sh into `.build-tools-venv`.
    static var schemathesis: URL {
        if let path = ProcessInfo.processInfo.environment["FASTCERT_SCHEMATHESIS"] { return URL(filePath: path) }
        return Fixtures.repository.appending(path: ".build-tools-venv/bin/st")
    }

    static let units = """
        code,name,level,parent_code
        3702,Qingdao,city,
        370202,Shinan,district,3702
        370202001,Badaguan Street,street,370202
        370202001001,Taiping Community,community,370202001
        """

    /// The four units and one pensioner (Wang Fang, of Taiping Community in 370202), imported with the
    /// command line into `database`; returns her resident ID.
    static func seed(database: String, folder: URL, name: String = "Wang Fang") async throws -> String {
        // Enrolled today: her deadline lies ahead.
        try units.write(to: folder.appending(path: "units.csv"), atomically: true, encoding: .utf8)
        let id = ResidentID.completing("37020219400315001")!.value
        try """
        resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
        \(id),\(name),1940-03-15,370202001001,3,3200.50,13800000000,wf1940,1,0
        """.write(to: folder.appending(path: "persons.csv"), atomically: true, encoding: .utf8)
        for step in [
            ["units", "import", folder.appending(path: "units.csv").path],
            ["persons", "import", folder.appending(path: "persons.csv").path],
        ] {
            let run = try await CommandLineTests.run(step + ["--database", database])
            guard run.status == 0 else { throw FixtureError("\(step): \(run.stderr)") }
        }
        return id
    }

    /// A running server: its process, port and log file.
    struct Server {
        var child: Subprocess
        var port: Int
        var log: URL

        var process: Process { child.process }
    }

    static func start(database: String, folder: URL, environment: [String: String] = [:]) async throws -> Server {
        let log = folder.appending(path: "serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = ["serve", "--database", database, "--port", "0", "--workers", "2"]
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.currentDirectoryURL = Fixtures.repository
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        let child = try await Subprocess.start(process)
        for _ in 0..<300 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on [0-9.]+:([0-9]+)"#, options: .regularExpression) {
                let port = try #require(text[range].split(separator: ":").last.flatMap { Int($0) })
                return Server(child: child, port: port, log: log)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw FixtureError("fastcert serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    @Test("schemathesis finds no 5xx and no response outside the OpenAPI document, for every role; SIGTERM stops cleanly")
    func schemathesisAgainstLiveServer() async throws {
        let st = Self.schemathesis
        try #require(FileManager.default.isExecutableFile(atPath: st.path), "schemathesis missing at \(st.path): run scripts/setup.sh")
        try await Fixtures.withTemporaryFolder { folder in
            let database = folder.appending(path: "api.sqlite").path
            let id = try await Self.seed(database: database, folder: folder)
            var keys: [String] = []
            for role in ["operator", "kiosk", "feed", "auditor", "camera"] {
                let created = try await CommandLineTests.run(
                    [
                        "keys", "create", "--role", role, "--unit", "3702", "--name", "\(role) probe", "--database", database,
                    ] + (role == "feed" ? ["--sources", "police,railway"] : []) + (role == "operator" ? ["--holder", "probe"] : []))
                #expect(created.status == 0, "\(created.stderr)")
                keys.append(created.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let listed = try await CommandLineTests.run(["keys", "list", "--database", database])
            #expect(listed.stdout.split(separator: "\n").count == 6)
            #expect(!keys.contains { listed.stdout.contains($0) }, "a key's secret is never listed")
            let server = try await Self.start(database: database, folder: folder)
            defer { if server.process.isRunning { server.process.terminate() } }
            let url = "http://127.0.0.1:\(server.port)"
            // One worker: hypothesis describing its strategies from two threads at once trips a
            // CPython 3.11 bug in ast.parse ("AST constructor recursion depth mismatch").
            for key in keys {
                let process = Process()
                process.executableURL = st
                process.currentDirectoryURL = folder  // its cache stays out of the checkout
                process.arguments = [
                    "run", "\(url)/openapi.yaml", "-H", "Authorization: Bearer \(key)", "--checks", "all", "--exclude-checks",
                    "positive_data_acceptance", "--max-examples", "25", "--workers", "1", "--seed", "1", "--no-color",
                ]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                let child = try await Subprocess.start(process)
                let text = String(decoding: await Subprocess.readToEnd(output.fileHandleForReading), as: UTF8.self)
                await child.exit()
                #expect(process.terminationStatus == 0, "schemathesis with the \(key.prefix(19)) key:\n\(text.suffix(4000))")
            }
            let (data, _) = try await URLSession.shared.data(from: URL(string: "\(url)/metrics")!)
            let metrics = String(decoding: data, as: UTF8.self)
            #expect(
                !metrics.contains("status=\"5"), "no 5xx answered:\n\(metrics.split(separator: "\n").filter { $0.contains("status=\"5") })")
            server.process.terminate()  // SIGTERM
            let deadline = Date().addingTimeInterval(15)
            while server.process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(!server.process.isRunning && server.process.terminationStatus == 0, "graceful stop on SIGTERM")
            let log = try String(contentsOf: server.log, encoding: .utf8)
            #expect(!log.contains(id), "resident IDs are masked in logs")
        }
    }

    @Test("serve takes the model folder from --config (and the flag over it), and names the folder it cannot load")
    func modelsFromConfig() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let config = folder.appending(path: "serve.json")
            let missing = folder.appending(path: "no-models-here").path
            try Data(#"{"models": "\#(missing)"}"#.utf8).write(to: config)
            let database = folder.appending(path: "ledger.sqlite").path
            let fromFile = try await CommandLineTests.run(["serve", "--config", config.path, "--database", database, "--port", "0"])
            #expect(fromFile.status != 0)
            #expect(fromFile.stderr.contains(missing), "stderr: \(fromFile.stderr)")
            let flag = folder.appending(path: "flag-models").path
            let fromFlag = try await CommandLineTests.run([
                "serve", "--config", config.path, "--models", flag, "--database", database, "--port", "0",
            ])
            #expect(
                fromFlag.status != 0 && fromFlag.stderr.contains(flag) && !fromFlag.stderr.contains(missing), "stderr: \(fromFlag.stderr)")
        }
    }

    @Test("serve refuses to start when the enrolled templates were sealed with another key, naming where its key came from")
    func wrongTemplateKey() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let database = try await EnrollCommandTests.ledger(in: folder)
            let enrolled = try await CommandLineTests.run([
                "enroll", "--consent-by", "person", EnrollCommandTests.ids[0], Fixtures.path("obama.jpg"), "--database", database,
                "--workers", "1",
            ])
            #expect(enrolled.status == 0, "\(enrolled.stderr)")
            let otherKey = String(repeating: "ab", count: 32)
            let serve = try await CommandLineTests.run(
                ["serve", "--database", database, "--port", "0"], environment: ["FASTCERT_TEMPLATE_KEY": otherKey])
            #expect(serve.status != 0)
            #expect(serve.stderr.contains("FASTCERT_TEMPLATE_KEY") && serve.stderr.contains("cannot be opened"), "\(serve.stderr)")
            // Enrolling with the wrong key is refused as well.
            let again = try await CommandLineTests.run(
                [
                    "enroll", "--consent-by", "person", EnrollCommandTests.ids[1], Fixtures.path("biden.jpg"), "--database", database,
                    "--workers", "1",
                ],
                environment: ["FASTCERT_TEMPLATE_KEY": otherKey])
            #expect(again.status != 0 && again.stderr.contains("cannot be opened"), "enroll refuses too: \(again.stderr)")
            // The key file lost: no new one is made beside the templates it could not open.
            let keyFile = database + ".template-key"
            try FileManager.default.moveItem(atPath: keyFile, toPath: keyFile + ".saved")
            let lost = try await CommandLineTests.run(["serve", "--database", database, "--port", "0"])
            #expect(lost.status != 0 && lost.stderr.contains("is missing"), "\(lost.stderr)")
            #expect(!FileManager.default.fileExists(atPath: keyFile), "no key file was created")
        }
    }

    @Test("at the connection cap (FASTCERT_MAX_CONNECTIONS) a further connection waits unserved until one closes")
    func connectionCap() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let database = try await EnrollCommandTests.ledger(in: folder)
            let server = try await Self.start(
                database: database, folder: folder,
                // The holder's head never ends: the header deadline (its own test) must not free the place first.
                environment: ["FASTCERT_MAX_CONNECTIONS": "1", "FASTCERT_IDLE_TIMEOUT": "30", "FASTCERT_HEADER_TIMEOUT": "60"])
            defer { server.process.terminate() }
            let holder = try RawConnection(port: server.port)
            holder.send("GET /healthz HTTP/1.1\r\nHost: local")  // mid-request: holds the one place
            try await Task.sleep(for: .milliseconds(300))
            let waiting = try RawConnection(port: server.port, readTimeout: 2)
            waiting.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(await waiting.receive() == nil && !waiting.closedByServer, "not served while the cap is reached")
            holder.close()
            let served = try RawConnection(port: server.port)
            served.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect((await served.receive() ?? "").hasPrefix("HTTP/1.1 200"), "served once the place is free")
        }
    }
}
