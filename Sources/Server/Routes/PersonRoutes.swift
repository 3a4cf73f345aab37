import APIModels
import Certification
import FaceEngine
import Foundation
import Hummingbird
import Ledger

/// Persons (create, read, update), their ledger view, and enrollment of reference photos.
/// Every route checks that the person's community lies within the caller's unit.
struct PersonRoutes {
    let dependencies: ServiceDependencies
    var store: Stores { dependencies.stores }

    /// A person as the API shows them (never a face template).
    /// What a kiosk or the mobile app may read of a person.
    struct DeviceBody: Encodable {
        var residentId: String
        var nameInitial: String
        var faceEnrolled: Bool
        var deadline: String

        init(_ p: PersonRecord) {
            residentId = p.id.value
            nameInitial = p.name.first.map(String.init) ?? ""
            faceEnrolled = p.templatePhotos > 0
            deadline = p.ledger.deadline.description
        }
    }

    struct PersonBody: Encodable {
        var residentId: String
        var name: String
        var birthDate: String
        var unitCode: String
        var benefitLevel: String
        var monthlyAmount: String
        var phone: String?
        var wechatId: String?
        var livesAlone: Bool
        var immobile: Bool
        var status: String
        var servicePeriodMonths: Int
        var enrolledOn: String
        var lastCertified: String?
        var deadline: String
        var suspendedOn: String?
        var deathDay: String?
        var faceEnrolled: Bool
        var referencePhotos: Int
        /// Who entered the person and when (absent for persons entered before it was recorded).
        var enteredBy: String?
        var enteredAt: String?

        init(_ p: PersonRecord) {
            residentId = p.id.value
            name = p.name
            birthDate = p.birthDate.description
            unitCode = p.unitCode
            benefitLevel = p.benefitLevel
            monthlyAmount = Yuan.text(fen: p.monthlyAmountFen)
            phone = p.phone
            wechatId = p.wechatID
            livesAlone = p.livesAlone
            immobile = p.immobile
            status = p.ledger.status.rawValue
            servicePeriodMonths = p.ledger.servicePeriodMonths
            enrolledOn = p.enrolledOn.description
            lastCertified = p.ledger.lastCertified?.description
            deadline = p.ledger.deadline.description
            suspendedOn = p.ledger.suspendedOn?.description
            deathDay = p.ledger.deathDay?.description
            faceEnrolled = p.templatePhotos > 0
            referencePhotos = p.templatePhotos
            enteredBy = p.enteredBy
            enteredAt = p.enteredAt
        }
    }

    /// An amount sent as a JSON number or string.
    struct Amount: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
            } else {
                text = "\(try container.decode(Decimal.self))"
            }
        }
    }

    struct CreateBody: Decodable {
        var residentId: String
        var name: String
        var birthDate: String
        var unitCode: String
        var benefitLevel: String
        var monthlyAmount: Amount
        var phone: String?
        var wechatId: String?
        var livesAlone: Bool?
        var immobile: Bool?
    }

    struct UpdateBody: Decodable {
        var name: String?
        var unitCode: String?
        var benefitLevel: String?
        var monthlyAmount: Amount?
        var phone: String?
        var wechatId: String?
        var livesAlone: Bool?
        var immobile: Bool?
    }

    func register(_ routes: RouteRegistrar) {
        routes.add(.createPerson) { _, context, body in
            let caller = try context.requireCaller()
            let input = try JSON.decode(CreateBody.self, from: body)
            let person = try await store.persons.createPerson(
                PersonInput(
                    residentID: input.residentId, name: input.name, birthDate: input.birthDate, unitCode: input.unitCode,
                    benefitLevel: input.benefitLevel, monthlyAmount: input.monthlyAmount.text, phone: input.phone,
                    wechatID: input.wechatId, livesAlone: input.livesAlone ?? false, immobile: input.immobile ?? false),
                today: ServiceClock.today(), scope: caller.unitPath, by: caller.actor)
            context.logger.info("person created", metadata: ["person": "\(person.id)"])
            return try JSON.response(PersonBody(person), status: .created, headers: [.location: "/v1/persons/\(person.id.value)"])
        }
        routes.add(.readPerson) { _, context, _ in
            let person = try await scopedPerson(context)
            // A device shows the person in front of it who they are and when they are due; their phone,
            // pension, death day and history are staff's.
            if let role = context.caller?.role, role == .kiosk || role == .mobile {
                return try JSON.response(DeviceBody(person))
            }
            return try JSON.response(PersonBody(person))
        }
        routes.add(.updatePerson) { _, context, body in
            let caller = try context.requireCaller()
            let id = try Self.residentID(context)
            let patch = try JSON.decode(UpdateBody.self, from: body)
            let changes = PersonChanges(
                name: patch.name, unitCode: patch.unitCode, benefitLevel: patch.benefitLevel, monthlyAmount: patch.monthlyAmount?.text,
                phone: patch.phone.map { Optional($0) }, wechatID: patch.wechatId.map { Optional($0) }, livesAlone: patch.livesAlone,
                immobile: patch.immobile)
            guard !changes.isEmpty else {
                throw APIError(
                    .nothingToChange,
                    "send at least one of name, unit_code, benefit_level, monthly_amount, phone, wechat_id, lives_alone, immobile")
            }
            let person = try await store.persons.updatePerson(id, changes, scope: caller.unitPath, by: caller.actor)
            return try JSON.response(PersonBody(person))
        }
        routes.add(.personLedger) { _, context, _ in
            let person = try await scopedPerson(context)
            guard let view = try await store.queries.person(person.id) else {
                throw LedgerError(.personNotFound, "no person \(person.id)")
            }
            return try JSON.response(LedgerBody(view))
        }
        routes.add(.enroll) { request, context, body in
            try await enroll(request, context, body)
        }
        registerEnrollments(routes)
    }

    struct LedgerBody: Encodable {
        struct Entry: Encodable {
            var kind: String
            var day: String
            var detail: String
            var actor: String?
            var rulesVersion: Int?
            var recordedAt: String?
        }
        var residentId: String
        var status: String
        var deadline: String
        var lastCertified: String?
        var suspendedOn: String?
        var deathDay: String?
        var servicePeriodMonths: Int
        var timeline: [Entry]

        init(_ view: PersonView) {
            residentId = view.id.value
            status = view.ledger.status.rawValue
            deadline = view.ledger.deadline.description
            lastCertified = view.ledger.lastCertified?.description
            suspendedOn = view.ledger.suspendedOn?.description
            deathDay = view.ledger.deathDay?.description
            servicePeriodMonths = view.ledger.servicePeriodMonths
            timeline = view.timeline.map {
                Entry(
                    kind: $0.kind, day: $0.day.description, detail: $0.detail, actor: $0.actor, rulesVersion: $0.rulesVersion,
                    recordedAt: $0.recordedAt)
            }
        }
    }

    static func residentID(_ context: APIContext) throws -> ResidentID {
        try ResidentID(context.parameters.get("id") ?? "")
    }

    /// The person named in the path, if the caller's unit covers them. A person elsewhere is
    /// answered exactly as one who does not exist: whether an ID is a pensioner in another district
    /// is not the caller's to learn.
    func scopedPerson(_ context: APIContext) async throws -> PersonRecord {
        let caller = try context.requireCaller()
        let id = try Self.residentID(context)
        guard let person = try await store.persons.person(id), caller.covers(unitPath: person.unitPath) else {
            throw LedgerError(.personNotFound, "no person \(id) in this key's unit")
        }
        return person
    }

    /// Checks each photo; when at least one passes, all that pass show the same person, and the
    /// face is not enrolled under another resident ID, they become the person's template.
    /// `replace=true` re-enrolls, `dry_run=true` reports without storing, `allow_duplicate=true`
    /// enrolls a face that matches another person (an operator's resolution, recorded).
    func enroll(_ request: Request, _ context: APIContext, _ body: ByteBuffer) async throws -> Response {
        let caller = try context.requireCaller()
        let person = try await scopedPerson(context)
        let upload = try Upload.parse(request, body: body)
        let limit = dependencies.configuration.maxPhotosPerEnrollment
        guard !upload.photos.isEmpty else {
            throw APIError(.noPhoto, "send one or more photos (multipart parts named 'photo', or JSON 'photos')")
        }
        guard upload.photos.count <= limit else {
            throw APIError(.tooManyPhotos, "send at most \(limit) photos in one enrollment")
        }
        // Consent before any face is processed (PIPL): who gave it, for what; recorded with the
        // operator and the day (a dry run processes the face too, but stores nothing).
        let query = request.uri.queryParameters
        let consent = try ConsentInput.parse(
            by: query.get("consent_by").map { String($0) }, guardian: query.get("guardian").map { String($0) },
            purpose: query.get("purpose").map { String($0) })
        let dryRun = try LedgerRoutes.flag(request, "dry_run")
        if !dryRun, let privacy = store.privacy {
            _ = try await privacy.recordConsent(
                consent, person: person.id, on: ServiceClock.today(), by: caller.actor, scope: caller.unitPath)
        }
        let enrollment = Enroller.Request(
            person: person.id, photos: upload.photos, replace: try LedgerRoutes.flag(request, "replace"),
            dryRun: dryRun, allowDuplicate: try LedgerRoutes.flag(request, "allow_duplicate"),
            actor: caller.actor, scope: caller.unitPath)
        let outcome = try await dependencies.enroller.enroll(enrollment)
        switch outcome.status {
        case .enrolled, .replaced, .wouldEnroll:
            if outcome.status.stored {
                context.logger.info(
                    "face enrolled",
                    metadata: ["person": "\(person.id)", "photos": "\(outcome.referencePhotos)", "status": "\(outcome.status.rawValue)"])
            }
            return try JSON.response(
                EnrollmentWire.Result(person: person.id, outcome),
                status: APIError.status(outcome.status))
        case .duplicateIdentity, .alreadyEnrolled, .noUsablePhoto, .photosDisagree:
            if outcome.status == .duplicateIdentity {
                context.logger.warning("enrollment refused: duplicate identity", metadata: ["person": "\(person.id)"])
            }
            var error = APIError(status: APIError.status(outcome.status), code: outcome.status.rawValue, message: outcome.message)
            error.photos = outcome.photos.isEmpty ? nil : outcome.photos
            error.duplicates = outcome.duplicates.isEmpty ? nil : outcome.duplicates
            error.disagreeing = outcome.disagreeing.isEmpty ? nil : outcome.disagreeing
            throw error
        }
    }

    /// A person's enrollment record as `caller` may see it (every route that returns one).
    func enrollmentRecord(_ id: ResidentID, for caller: APIKey) async throws -> EnrollmentWire.Record {
        guard let enrollment = try await store.enrollment.enrollment(id) else {
            throw LedgerError(.personNotFound, "no person \(id) in the ledger")
        }
        var record = EnrollmentWire.Record(enrollment)
        for index in record.events.indices { record.events[index].detail = try await redacted(record.events[index].detail, for: caller) }
        return record
    }

    /// An enrollment event's detail as the caller may see it: a duplicate found among persons
    /// outside the caller's unit keeps only that it was one (no resident ID, no distance), as the
    /// refusal itself named only the case (the audit record keeps everything).
    func redacted(_ detail: String?, for caller: APIKey) async throws -> String? {
        guard let detail, var object = try? JSONSerialization.jsonObject(with: Data(detail.utf8)) as? [String: Any],
            let duplicates = object["duplicates"] as? [[String: Any]]
        else { return detail }
        var shown: [[String: Any]] = []
        for duplicate in duplicates {
            let id = (duplicate["resident_id"] as? String).flatMap { try? ResidentID($0) }
            if let id, let other = try await store.persons.person(id), caller.covers(unitPath: other.unitPath) {
                shown.append(duplicate)
            } else {
                shown.append(["outside_unit": true])
            }
        }
        object["duplicates"] = shown
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    func registerEnrollments(_ routes: RouteRegistrar) {
        routes.add(.withdrawConsent) { _, context, body in
            let caller = try context.requireCaller()
            let person = try await scopedPerson(context)
            struct WithdrawBody: Decodable { var reason: String }
            let input = try JSON.decode(WithdrawBody.self, from: body)
            guard let privacy = store.privacy else { throw APIError(.internalError, "this ledger keeps no consent") }
            _ = try await privacy.withdrawConsent(
                person: person.id, reason: input.reason, on: ServiceClock.today(), by: caller.actor, scope: caller.unitPath)
            context.logger.info("consent withdrawn; face template deleted", metadata: ["person": "\(person.id)"])
            return try JSON.response(try await enrollmentRecord(person.id, for: caller))
        }
        routes.add(.personExport) { _, context, _ in
            let caller = try context.requireCaller()
            let person = try await scopedPerson(context)
            guard let privacy = store.privacy else { throw APIError(.internalError, "this ledger keeps no such record") }
            let data = try await privacy.export(person: person.id, scope: caller.unitPath)
            context.logger.info("person record exported", metadata: ["person": "\(person.id)", "by": "\(caller.actor)"])
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        routes.add(.enrollment) { _, context, _ in
            let person = try await scopedPerson(context)
            return try JSON.response(try await enrollmentRecord(person.id, for: try context.requireCaller()))
        }
        routes.add(.deleteEnrollment) { request, context, _ in
            let caller = try context.requireCaller()
            let person = try await scopedPerson(context)
            let reason = request.uri.queryParameters.get("reason").map { String($0) }
            guard try await dependencies.enroller.delete(person.id, by: caller.actor, reason: reason, scope: caller.unitPath) else {
                throw CertificationError.notEnrolled(person.id)
            }
            context.logger.info("enrollment deleted", metadata: ["person": "\(person.id)"])
            return try JSON.response(try await enrollmentRecord(person.id, for: caller))
        }
        routes.add(.enrollments) { request, context, _ in
            let caller = try context.requireCaller()
            let page = try Page<ResidentID?>.after(request, first: nil, default: 100, max: 1000) { text in
                do throws(LedgerError) { return try ResidentID(String(text)) } catch {
                    throw APIError(.invalidQuery, "after must be a resident ID: \(error.message)")
                }
            }
            let enrollments = page.cut(
                try await store.enrollment.enrollments(scope: caller.unitPath, after: page.start, limit: page.fetchLimit)
            ) { $0.person }
            return try JSON.response(EnrollmentWire.List(Array(enrollments.rows), nextAfter: enrollments.next ?? nil))
        }
    }
}
