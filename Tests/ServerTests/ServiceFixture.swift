import Certification
import Crypto
import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport

/// A service on a new database file: two districts (A: 370202, B: 370203), one person in each, a
/// key for every role in each district, the shared face engine, the real router.
struct ServiceFixture: Sendable {
    static let personA = ResidentID.completing("37020219400315001")!.value
    static let personB = ResidentID.completing("37020319450101002")!.value
    static let roles = APIKey.Role.allCases

    let folder: URL
    let store: ServiceStore
    let configuration: ServerConfiguration
    let engine: FaceEngine
    /// The router's enroller (its duplicate index and verification cohort fill at the first
    /// enrollment, or when a test calls `load()`).
    let enroller: Enroller
    /// "operator-A" -> the key's text.
    let keys: [String: String]

    func key(_ role: APIKey.Role, _ district: String = "A") -> String { keys["\(role.rawValue)-\(district)"]! }

    static let units = """
        code,name,level,parent_code
        3702,Qingdao,city,
        370202,Shinan,district,3702
        370202001,Badaguan Street,street,370202
        370202001001,Taiping Community,community,370202001
        370203,Shibei,district,3702
        370203001,Taidong Street,street,370203
        370203001001,Taidong Community,community,370203001
        """

    static var persons: String {
        """
        resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
        \(personA),Wang Fang,1940-03-15,370202001001,3,3200.50,13800000000,wf1940,1,0
        \(personB),Zhao Lei,1945-01-01,370203001001,2,2800,13900000000,,0,0
        """
    }

    /// Runs `body` with a fresh service; `enrollA` enrolls person A with two photos of the same man.
    static func with(
        enrollA: Bool = true, engine: FaceEngine? = nil, adjust: (inout ServerConfiguration) -> Void = { _ in },
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: @Sendable (ServiceFixture, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await Fixtures.withTemporaryFolder { folder in
            var configuration = ServerConfiguration()
            configuration.database = folder.appending(path: "service.sqlite").path
            configuration.models = Fixtures.models.path
            configuration.maxBodyBytes = 2 << 20
            // Every suite shares a few engines and runs in parallel: a request may wait in the engine's
            // queue far longer than a service's would (the request deadline has its own test).
            configuration.requestTimeoutSeconds = 180
            configuration.allowMatchOnly = true  // most tests verify one photo; LivenessRouteTests turn it off
            adjust(&configuration)
            let ledger = LedgerStore(database: try AppDatabase(path: configuration.database), rules: try LedgerRules.shipped())
            _ = try await ledger.importUnits(csv: units)
            _ = try await ledger.importPersons(csv: persons, today: Day("2025-06-01")!)
            let store = ServiceStore(ledger: ledger, vault: TemplateVault(key: SymmetricKey(size: .bits256)))
            var keys: [String: String] = [:]
            for role in roles {
                for (district, districtUnit) in [("A", "370202"), ("B", "370203")] {
                    // A staff key is a community worker's: bound to the district's community, issued by name.
                    let unit = role == .staff ? districtUnit + "001001" : districtUnit
                    // The fixture's feed keys deliver for every department; FeedProvenanceTests narrows them.
                    let sources = role == .feed ? ledger.rules.sources.subtracting(["fastcert", "camera_network"]).sorted() : []
                    keys["\(role.rawValue)-\(district)"] = try await store.keys.createKey(
                        name: "\(role) \(district)", role: role, unit: unit, sources: sources,
                        holder: role == .operator ? "operator \(district)" : role == .staff ? "worker \(district)" : nil
                    )
                    .text
                }
            }
            let faceEngine: FaceEngine
            if let engine { faceEngine = engine } else { faceEngine = try await SharedEngines.shared.engine() }
            if enrollA {
                var embeddings: [[Float]] = []
                for name in ["obama.jpg", "obama2.jpg"] {
                    embeddings.append(try await faceEngine.analyze(try Fixtures.image(name)).primaryFace.embedding.values)
                }
                try await store.templates.saveTemplate(embeddings, for: ResidentID(personA), by: "test")
            }
            let enroller = makeEnroller(configuration: configuration, stores: store.stores, engine: faceEngine)
            let fixture = ServiceFixture(
                folder: folder, store: store, configuration: configuration, engine: faceEngine, enroller: enroller, keys: keys)
            let app = Application(
                router: buildRouter(configuration: configuration, stores: store.stores, engine: faceEngine, enroller: enroller, now: now))
            try await app.test(.router) { client in try await body(fixture, client) }
        }
    }

    /// Rows in a table, read straight from the database file.
    func count(_ sql: String) async throws -> Int {
        try await store.ledger.database.count(sql)
    }
}

/// A request as the tests send it.
struct Call {
    static func headers(_ key: String?, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        if let key { fields[.authorization] = "Bearer \(key)" }
        return fields
    }

    static func json(_ object: Any) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    /// A multipart/form-data body: text fields, then photos as parts named `photo`.
    static func multipart(fields: [String: String] = [:], photos: [Data] = [], photoName: String = "photo") -> (String, ByteBuffer) {
        let boundary = "fastcert-test-\(UUID().uuidString)"
        var body = Data()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for (index, photo) in photos.enumerated() {
            body.append(
                Data(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(photoName)\"; filename=\"p\(index).jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
                        .utf8))
            body.append(photo)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(bytes: body))
    }

    static func body(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]) ?? [:]
    }

    static func errorCode(_ response: TestResponse) -> String? {
        (body(response)["error"] as? [String: Any])?["code"] as? String
    }
}
