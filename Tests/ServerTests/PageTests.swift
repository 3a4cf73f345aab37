import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport
import Testing

/// The console and kiosk pages as files (the browser tests drive them in Chromium), and the routes
/// added for them: who the key is, the unit tree, notes on task outcomes.
@Suite("Pages and the console's routes")
struct PageTests {
    static let scripts = ["common.js", "console.js", "kiosk.js"]

    @Test("both pages carry a strict CSP and hold no inline script or style; the scripts never write HTML")
    func strictPages() async throws {
        try await ServiceFixture.with(enrollA: false) { _, client in
            for (page, camera) in [("/console/", "camera=()"), ("/kiosk/", "camera=(self)")] {
                let response = try await client.execute(uri: page, method: .get)
                #expect(response.status == .ok && response.headers[.contentType] == "text/html; charset=utf-8")
                let policy = try #require(response.headers[.contentSecurityPolicy])
                #expect(
                    policy.contains("default-src 'none'") && policy.contains("script-src 'self'")
                        && policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe"))
                #expect(response.headers[HTTPField.Name("Permissions-Policy")!]?.hasPrefix(camera) == true)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                let html = String(buffer: response.body)
                // Every script is a file of this origin; no handler or style written into the markup.
                #expect(html.contains("<script src=\"/assets/common.js\""))
                #expect(html.range(of: #"<script(?![^>]*\ssrc=)"#, options: .regularExpression) == nil)
                #expect(html.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil)
                #expect(!html.contains("style="))
            }
            for name in Self.scripts {
                let response = try await client.execute(uri: "/assets/\(name)", method: .get)
                #expect(response.status == .ok && response.headers[.contentType] == "text/javascript; charset=utf-8")
                let script = String(buffer: response.body)
                // Text goes in as text (textContent, text nodes), so a name or a reason cannot become markup.
                for forbidden in [
                    "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute(\"style\"",
                ] {
                    #expect(!script.contains(forbidden), "\(name) uses \(forbidden)")
                }
                // The key is never put in a URL or a cookie.
                #expect(!script.contains("document.cookie") && !script.contains("?key=") && !script.contains("localStorage.setItem(KEY"))
            }
        }
    }

    @Test("assets revalidate with their ETag (304); nothing outside the pages' folder is served; / opens the console")
    func assets() async throws {
        try await ServiceFixture.with(enrollA: false) { _, client in
            let first = try await client.execute(uri: "/assets/fastcert.css", method: .get)
            #expect(first.status == .ok && first.headers[.contentType] == "text/css; charset=utf-8")
            let etag = try #require(first.headers[.eTag])
            let again = try await client.execute(uri: "/assets/fastcert.css", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            for path in [
                "/assets/console.html", "/assets/..%2F..%2FPackage.swift", "/assets/.hidden", "/assets/nothing.js", "/assets/openapi.yaml",
            ] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .notFound && Call.errorCode(response) == "not_found", "\(path)")
            }
            let root = try await client.execute(uri: "/", method: .get)
            #expect(root.status == .seeOther && root.headers[.location] == "/console/")
        }
    }

    @Test("/v1/me names the key, never its secret; /v1/units lists the key's subtree with persons counted, and refuses a unit outside it")
    func meAndUnits() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let operatorA = fixture.key(.operator)
            let me = try await client.execute(uri: "/v1/me", method: .get, headers: Call.headers(operatorA))
            let body = Call.body(me)
            #expect(
                body["role"] as? String == "operator" && body["unit_code"] as? String == "370202"
                    && body["unit_name"] as? String == "Shinan")
            let secret = try #require(operatorA.split(separator: ".").last)
            #expect(!String(buffer: me.body).contains(String(secret)))
            let kiosk = try await client.execute(uri: "/v1/me", method: .get, headers: Call.headers(fixture.key(.kiosk)))
            #expect(Call.body(kiosk)["role"] as? String == "kiosk")
            #expect(try await client.execute(uri: "/v1/me", method: .get).status == .unauthorized)

            let units = try await client.execute(uri: "/v1/units", method: .get, headers: Call.headers(operatorA))
            let list = try #require(Call.body(units)["units"] as? [[String: Any]])
            #expect(list.map { $0["code"] as? String } == ["370202", "370202001", "370202001001"])
            #expect(list.map { $0["persons"] as? Int } == [1, 1, 1])
            #expect(list.first?["parent_code"] as? String == "3702")
            let outside = try await client.execute(uri: "/v1/units?unit=370203", method: .get, headers: Call.headers(operatorA))
            #expect(outside.status == .forbidden)
            let devices = try await client.execute(uri: "/v1/units", method: .get, headers: Call.headers(fixture.key(.kiosk)))
            #expect(devices.status == .forbidden)
        }
    }

    @Test(
        "a task outcome keeps the staff's note and who closed it, both on the person's timeline; an overlong note is refused and closes nothing"
    )
    func taskNotes() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let op = fixture.key(.operator)
            _ = try await fixture.store.ledger.sweep(on: Day("2026-05-15")!)
            let tasks = try await client.execute(uri: "/v1/tasks", method: .get, headers: Call.headers(op))
            let task = try #require((Call.body(tasks)["tasks"] as? [[String: Any]])?.first)
            let taskID = try #require(task["id"] as? Int)
            let long = try await client.execute(
                uri: "/v1/tasks/\(taskID)/outcome", method: .post, headers: Call.headers(op, [.contentType: "application/json"]),
                body: Call.json(["outcome": "unreachable", "note": String(repeating: "长", count: 501)]))
            #expect(long.status == .unprocessableContent && Call.errorCode(long) == "task_outcome")
            #expect(try await fixture.count("SELECT COUNT(*) FROM task WHERE status = 'open'") == 1)
            let done = try await client.execute(
                uri: "/v1/tasks/\(taskID)/outcome", method: .post, headers: Call.headers(op, [.contentType: "application/json"]),
                body: Call.json(["outcome": "unreachable", "note": "  两次上门无人应答 <b>  "]))
            #expect(done.status == .ok)
            let closed = try await client.execute(uri: "/v1/tasks?include_closed=true", method: .get, headers: Call.headers(op))
            #expect((Call.body(closed)["tasks"] as? [[String: Any]])?.first?["note"] as? String == "两次上门无人应答 <b>")
            let ledger = try await client.execute(
                uri: "/v1/persons/\(ServiceFixture.personA)/ledger", method: .get, headers: Call.headers(op))
            let timeline = try #require(Call.body(ledger)["timeline"] as? [[String: Any]])
            let entry = try #require(timeline.first { $0["kind"] as? String == "task_closed" })
            #expect((entry["detail"] as? String)?.hasSuffix("unreachable; note: 两次上门无人应答 <b>") == true)
            let keyID = try #require(op.split(separator: ".").first)
            #expect((entry["actor"] as? String) == "operator A via \(keyID)")
            #expect(timeline.contains { $0["kind"] as? String == "task_opened" })
        }
    }

    @Test("the test-only fixed challenges are read from the environment alone and checked")
    func fixedChallenges() throws {
        let set = try ServerConfiguration.load(file: nil, environment: ["FASTCERT_TEST_CHALLENGES": "turn_left,turn_right"])
        #expect(set.testChallenges == "turn_left,turn_right")
        #expect(try ServerConfiguration.load(file: nil, environment: [:]).testChallenges == nil)
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(file: nil, environment: ["FASTCERT_TEST_CHALLENGES": "turn_left,blink"])
        }
    }

    @Test("a timeout must be finite, positive and at most a day: infinity, NaN, 0 and a year are refused at the start")
    func timeoutBounds() throws {
        for value in ["inf", "nan", "0", "-1", "31536000"] {
            #expect(throws: ConfigurationError.self, "FASTCERT_REQUEST_TIMEOUT=\(value)") {
                try ServerConfiguration.load(file: nil, environment: ["FASTCERT_REQUEST_TIMEOUT": value])
            }
        }
        #expect(try ServerConfiguration.load(file: nil, environment: ["FASTCERT_REQUEST_TIMEOUT": "900"]).requestTimeoutSeconds == 900)
    }
}

/// The service's threshold: explicit, else from a calibration file, else the default.
@Suite("Match threshold from calibration")
struct CalibrationSettingTests {
    @Test("a calibration file sets the threshold unless one is given explicitly; a bad file stops the start, named")
    func calibrationFile() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let file = folder.appending(path: "calibration.json")
            let calibration = try #require(
                Calibration.choose(
                    genuine: [0.3, 0.45], impostor: (0..<5000).map { 0.62 + Double($0) * 1e-4 }, targetFMR: 1e-3, embedding: "hog",
                    source: "test"))
            try calibration.json().write(to: file)
            let calibrated = try ServerConfiguration.load(file: nil, environment: ["FASTCERT_CALIBRATION": file.path])
            #expect(
                calibrated.matchThreshold == calibration.matchThreshold
                    && calibrated.thresholdSource == .calibration(file: file.path, calibration)
                    && calibrated.thresholdSource.description.hasPrefix("the calibration file"))
            let explicit = try ServerConfiguration.load(
                file: nil, environment: ["FASTCERT_CALIBRATION": file.path, "FASTCERT_MATCH_THRESHOLD": "0.5"])
            #expect(explicit.matchThreshold == 0.5 && explicit.thresholdSource == .explicit("FASTCERT_MATCH_THRESHOLD"))
            #expect(try ServerConfiguration.load(file: nil, environment: [:]).matchThreshold == 0.55)
            // The calibration's embedding options against the service's: the mirror matters, the CNN fallback does not.
            #expect(calibrated.calibrationMatchesEmbedding && calibrated.embedding == "hog,cnn-fallback")
            // The CNN fallback is on by default, and can be turned off (the file, the environment); either way a
            // calibration made with or without it still applies: it decides which stills have a face, not their embeddings.
            #expect(calibrated.cnnFallback && calibrated.engineConfiguration(modelDirectory: folder).cnnFallback)
            let withoutFallback = try ServerConfiguration.load(
                file: nil, environment: ["FASTCERT_CALIBRATION": file.path, "FASTCERT_CNN_FALLBACK": "false"])
            #expect(!withoutFallback.engineConfiguration(modelDirectory: folder).cnnFallback && withoutFallback.embedding == "hog")
            #expect(withoutFallback.calibrationMatchesEmbedding)
            try Data("{\"cnnFallback\": false}".utf8).write(to: folder.appending(path: "no-fallback.json"))
            #expect(try !ServerConfiguration.load(file: folder.appending(path: "no-fallback.json").path, environment: [:]).cnnFallback)
            var mirrored = try ServerConfiguration.load(
                file: nil, environment: ["FASTCERT_CALIBRATION": file.path, "FASTCERT_MIRROR_EMBEDDING": "true"])
            #expect(mirrored.mirrorEmbedding && !mirrored.calibrationMatchesEmbedding)
            var withMirror = calibration
            withMirror.embedding = "hog,mirror,cnn-fallback"
            try withMirror.json().write(to: file)
            mirrored = try ServerConfiguration.load(
                file: nil, environment: ["FASTCERT_CALIBRATION": file.path, "FASTCERT_MIRROR_EMBEDDING": "true"])
            #expect(mirrored.calibrationMatchesEmbedding)
            try Data("{\"mirrorEmbedding\": true}".utf8).write(to: folder.appending(path: "config.json"))
            #expect(try ServerConfiguration.load(file: folder.appending(path: "config.json").path, environment: [:]).mirrorEmbedding)
            #expect(throws: ConfigurationError.self) {
                try ServerConfiguration.load(file: nil, environment: ["FASTCERT_MIRROR_EMBEDDING": "maybe"])
            }
            try Data("not json".utf8).write(to: file)
            #expect(throws: ConfigurationError.self) {
                try ServerConfiguration.load(file: nil, environment: ["FASTCERT_CALIBRATION": file.path])
            }
        }
    }

    @Test("a cohort calibration by people sets the cohort rule and its distance threshold; an explicit threshold turns both off")
    func cohortCalibration() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let file = folder.appending(path: "calibration.json")
            var calibration = try #require(
                Calibration.choose(
                    genuine: [-4, -3], impostor: (0..<5000).map { -2 + Double($0) * 1e-3 }, targetFMR: 1e-3, embedding: "hog",
                    source: "test"))
            calibration.cohortSize = 50
            calibration.cohortCapacity = 2000
            calibration.cohortMembers = 1800
            calibration.cohortCeiling = 0.65
            calibration.distanceThreshold = 0.53
            try calibration.json().write(to: file)
            let calibrated = try ServerConfiguration.load(file: nil, environment: ["FASTCERT_CALIBRATION": file.path])
            #expect(calibrated.matchThreshold == 0.53)
            #expect(
                calibrated.cohort
                    == CohortPolicy(
                        normalization: CohortNormalization(size: 50, ceiling: 0.65), threshold: calibration.matchThreshold, members: 1800))
            let explicit = try ServerConfiguration.load(
                file: nil, environment: ["FASTCERT_CALIBRATION": file.path, "FASTCERT_MATCH_THRESHOLD": "0.5"])
            #expect(explicit.matchThreshold == 0.5 && explicit.cohort == nil)
            var overridden = calibrated
            overridden.setMatchThreshold(0.52, from: "--match-threshold")
            #expect(overridden.matchThreshold == 0.52 && overridden.cohort == nil)
            // A pair calibration's cohort (other images) is not the service's: refused at start, named.
            calibration.distanceThreshold = nil
            try calibration.json().write(to: file)
            #expect {
                try ServerConfiguration.load(file: nil, environment: ["FASTCERT_CALIBRATION": file.path])
            } throws: {
                "\($0)".contains("a cohort of other images")
            }
        }
    }
}
