import APIModels
import AsyncHTTPClient
import Certification
import FaceEngine
import Foundation
import Ledger
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Storage

/// Where enrollments go: the local database (engine and store in this process) or a FastCert
/// service (its enrollment routes, with an operator key). Both give the same ``Enroller/Outcome``,
/// so one runner and one report serve both.
protocol EnrollmentBackend: Sendable {
    /// What the person has enrolled now (nil: no such person).
    func current(_ person: ResidentID) async throws -> EnrollmentRecord?
    func enroll(_ request: Enroller.Request) async throws -> Enroller.Outcome
    func delete(_ person: ResidentID, reason: String?) async throws -> Bool
    func list(after: ResidentID?, limit: Int) async throws -> [EnrollmentSummary]
    /// Enrollments worth running at once.
    var concurrency: Int { get }
    func shutdown() async
}

/// The local database, checked with this process's engine.
struct LocalEnrollment: EnrollmentBackend {
    let store: Stores
    let enroller: Enroller
    let engine: FaceEngine?
    let concurrency: Int
    /// The consent each stored enrollment records (PIPL); nil for list, show and delete.
    var consent: ConsentInput? = nil

    func current(_ person: ResidentID) async throws -> EnrollmentRecord? { try await store.enrollment.enrollment(person) }
    func enroll(_ request: Enroller.Request) async throws -> Enroller.Outcome {
        guard let consent else { throw LedgerError(.consentRequired, "an enrollment records the consent: --consent-by person|guardian") }
        if !request.dryRun, let privacy = store.privacy {
            _ = try await privacy.recordConsent(
                consent, person: request.person, on: ServiceClock.today(), by: request.actor, scope: request.scope)
        }
        return try await enroller.enroll(request)
    }
    func delete(_ person: ResidentID, reason: String?) async throws -> Bool {
        guard try await store.persons.person(person) != nil else { throw LedgerError(.personNotFound, "no person \(person) in the ledger") }
        return try await enroller.delete(person, by: EnrollCommand.operatorName, reason: reason)
    }
    func list(after: ResidentID?, limit: Int) async throws -> [EnrollmentSummary] {
        try await store.enrollment.enrollments(scope: "", after: after, limit: limit)
    }
    func shutdown() async { engine?.shutdown() }
}

/// A failure of the remote service that is not about one person's photos.
struct RemoteFailure: Error {
    var status: Int
    var code: String
    var message: String
    /// The whole run cannot go on: the key is refused (unknown, revoked, not an operator's), or the
    /// service cannot be reached.
    var fatal: Bool { status == 0 || status == 401 || status == 403 && code != "out_of_scope" }
}

/// A FastCert service, through its enrollment routes with an operator key.
struct RemoteEnrollment: EnrollmentBackend {
    let base: String
    let key: String
    let client: HTTPClient
    let concurrency: Int
    /// The consent each enrollment carries (PIPL).
    var consent: ConsentInput? = nil

    /// The service named by `server` (else $FASTCERT_SERVER) with `key` (else $FASTCERT_KEY); nil
    /// when no service is named, which means the local database.
    static func named(server: String?, key: String?, concurrency: Int) throws(CommandFailure) -> RemoteEnrollment? {
        let environment = ProcessInfo.processInfo.environment
        guard let server = server ?? environment["FASTCERT_SERVER"], !server.isEmpty else { return nil }
        guard let key = key ?? environment["FASTCERT_KEY"], !key.isEmpty else {
            throw .input("--server needs an API key: --key or $FASTCERT_KEY")
        }
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw .input("--server must be an http(s) URL such as http://10.0.0.5:8080")
        }
        return RemoteEnrollment(server: server, key: key, concurrency: concurrency)
    }

    init(server: String, key: String, concurrency: Int) {
        base = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.key = key
        self.concurrency = concurrency
        client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    func shutdown() async { try? await client.shutdown() }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// Sends a request; retries while the service is busy (503, 429) as its Retry-After says, up
    /// to 10 times. Returns the status and body.
    func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String? = nil) async throws -> (Int, Data) {
        for attempt in 0..<10 {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            if let body {
                request.body = .bytes(ByteBuffer(data: body))
                if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            }
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: .seconds(120))
            } catch {
                throw RemoteFailure(status: 0, code: "unreachable", message: "cannot reach \(base): \(error)")
            }
            let data = Data(buffer: try await response.body.collect(upTo: 16 << 20))
            let status = Int(response.status.code)
            if (status == 503 || status == 429) && attempt < 9 {
                let wait = Double(response.headers.first(name: "Retry-After") ?? "") ?? 1
                try await Task.sleep(for: .seconds(min(max(wait, 0.2), 30)))
                continue
            }
            return (status, data)
        }
        throw RemoteFailure(status: 503, code: "busy", message: "the service stayed busy")
    }

    func failure(_ status: Int, _ data: Data) -> RemoteFailure {
        if let body = try? Self.decoder.decode(APIErrorBody.self, from: data) {
            return RemoteFailure(status: status, code: body.error.code, message: body.error.message)
        }
        return RemoteFailure(status: status, code: "http_\(status)", message: "the service answered \(status)")
    }

    func current(_ person: ResidentID) async throws -> EnrollmentRecord? {
        let (status, data) = try await send(.GET, "/v1/persons/\(person.value)/enrollments")
        if status == 404 { return nil }
        guard status == 200 else { throw failure(status, data) }
        return try Self.decoder.decode(EnrollmentWire.Record.self, from: data).enrollment()
    }

    func enroll(_ request: Enroller.Request) async throws -> Enroller.Outcome {
        let boundary = "fastcert-" + Data.randomHex(bytes: 12)
        var body = Data()
        for photo in request.photos {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"photo\"\r\n".utf8))
            body.append(Data("Content-Type: application/octet-stream\r\n\r\n".utf8))
            body.append(photo)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        var query = "replace=\(request.replace)&dry_run=\(request.dryRun)&allow_duplicate=\(request.allowDuplicate)"
        if let consent {
            var items = URLComponents()
            items.queryItems =
                [URLQueryItem(name: "consent_by", value: consent.givenBy.rawValue), URLQueryItem(name: "purpose", value: consent.purpose)]
                + (consent.guardianName.map { [URLQueryItem(name: "guardian", value: $0)] } ?? [])
            query += "&" + (items.percentEncodedQuery ?? "")
        }
        let (status, data) = try await send(
            .POST, "/v1/persons/\(request.person.value)/enrollments?\(query)", body: body,
            contentType: "multipart/form-data; boundary=\(boundary)")
        if status == 200 || status == 201 {
            return try Self.decoder.decode(EnrollmentWire.Result.self, from: data).outcome
        }
        if let answer = try? Self.decoder.decode(APIErrorBody.self, from: data), let refused = Enroller.Status(rawValue: answer.error.code)
        {
            return Enroller.Outcome(
                status: refused, photos: answer.error.photos ?? [], referencePhotos: 0, duplicates: answer.error.duplicates ?? [],
                message: answer.error.message, disagreeing: answer.error.disagreeing ?? [])
        }
        throw failure(status, data)
    }

    func delete(_ person: ResidentID, reason: String?) async throws -> Bool {
        let query = reason.flatMap { $0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) }.map { "?reason=\($0)" } ?? ""
        let (status, data) = try await send(.DELETE, "/v1/persons/\(person.value)/enrollments\(query)")
        if status == 200 { return true }
        let refused = failure(status, data)
        if refused.code == "not_enrolled" { return false }
        throw refused
    }

    func list(after: ResidentID?, limit: Int) async throws -> [EnrollmentSummary] {
        let (status, data) = try await send(.GET, "/v1/enrollments?limit=\(limit)" + (after.map { "&after=\($0.value)" } ?? ""))
        guard status == 200 else { throw failure(status, data) }
        return try Self.decoder.decode(EnrollmentWire.List.self, from: data).summaries()
    }
}
