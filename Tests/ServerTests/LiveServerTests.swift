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

/// The real HTTP server on a socket.
@Suite("Live server")
struct LiveServerTests {
    @Test("over a real socket: health, readiness, and a verification that lands in the ledger")
    func liveVerification() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            var configuration = ServerConfiguration()
            configuration.database = folder.appending(path: "live.sqlite").path
            configuration.port = 0
            configuration.allowMatchOnly = true
            let ledger = LedgerStore(database: try AppDatabase(path: configuration.database), rules: try LedgerRules.shipped())
            _ = try await ledger.importUnits(csv: ServiceFixture.units)
            _ = try await ledger.importPersons(csv: ServiceFixture.persons, today: Day("2025-06-01")!)
            let store = ServiceStore(ledger: ledger, vault: TemplateVault(key: .init(size: .bits256)))
            let kiosk = try await store.keys.createKey(name: "kiosk", role: .kiosk, unit: "370202").text
            // An engine of its own, one worker no other test shares: the live client gives up after
            // 20 s, and a shared engine queues other suites' photos (a photo without a face costs the
            // CNN fallback seconds on a loaded machine).
            let engine = try await FaceEngine.start(configuration: FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1))
            defer { engine.shutdown() }
            let embedding = try await engine.analyze(try Fixtures.image("obama.jpg")).primaryFace.embedding.values
            try await store.templates.saveTemplate([embedding], for: ResidentID(ServiceFixture.personA), by: "test")
            let app = Application(router: buildRouter(configuration: configuration, stores: store.stores, engine: engine))
            try await app.test(.live) { client in
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .ok && Call.body(ready)["status"] as? String == "ready")
                let (type, body) = Call.multipart(fields: ["person_id": ServiceFixture.personA], photos: [try Fixtures.image("obama2.jpg")])
                let response = try await client.execute(
                    uri: "/v1/verifications", method: .post, headers: Call.headers(kiosk, [.contentType: type]), body: body)
                #expect(response.status == .ok && Call.body(response)["decision"] as? String == "verified")
            }
            #expect(try await ledger.database.count("SELECT COUNT(*) FROM evidence WHERE source = 'fastcert'") == 1)
        }
    }
}
