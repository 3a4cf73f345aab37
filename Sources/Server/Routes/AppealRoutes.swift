import Foundation
import Hummingbird
import Ledger

/// The pensioner's side (issue 31): `GET /v1/persons/{id}/status`, what a person is told of their
/// own state, and appeals against a suspension or a death record (`POST /v1/persons/{id}/appeals`,
/// `GET /v1/appeals`, `POST /v1/appeals/{id}/resolve`).
///
/// A kiosk or mobile key is not an oracle over resident IDs: it may read the status of, or file an
/// appeal for, only a person it verified itself (decision `verified`) within the rules'
/// `status_after_verification_minutes`, from the same device (the mobile backend's
/// `X-FastCert-Device`, as the verification named it). Any other ID, existing or not, in its unit
/// or not, is the same `person_not_bound`, checked before anything about the person is read.
struct AppealRoutes {
    let dependencies: ServiceDependencies

    struct FileBody: Decodable {
        var grounds: String?
        var filedBy: String?
        var relativeName: String?
        var relation: String?
    }

    struct ResolveBody: Decodable {
        var outcome: String
        var reason: String
    }

    struct StatusBody: Encodable {
        struct Evidence: Encodable {
            var kind: String
            var label: String
            var day: String
            var department: String
        }
        struct OpenAppeal: Encodable {
            var id: Int64
            var subject: String
            var status: String
            var filedOn: String
            var dueOn: String
        }
        var residentId: String
        var status: String
        var deadline: String
        var deadlineNear: Bool
        var suspendedOn: String?
        var deathDay: String?
        var lastEvidence: Evidence?
        var appeal: OpenAppeal?
        var advice: [String]
        var language: String
    }

    struct AppealBody: Encodable {
        var id: Int64
        var residentId: String
        var name: String
        var unitCode: String
        var subject: String
        var filedByRole: String
        var filedBy: String
        var relativeName: String?
        var relation: String?
        var grounds: String
        var filedOn: String
        var dueOn: String
        var status: String
        var overdue: Bool
        var escalatedTo: String?
        var resolvedOn: String?
        var resolvedBy: String?
        var reason: String?
        var decisionId: Int64?
        var rulesVersion: Int?

        init(_ a: Appeal, today: Day) {
            id = a.id
            residentId = a.personID
            name = a.name
            unitCode = a.unitCode
            subject = a.subject.rawValue
            filedByRole = a.filedByRole.rawValue
            filedBy = a.filedBy
            relativeName = a.relativeName
            relation = a.relation
            grounds = a.grounds
            filedOn = a.filedOn.description
            dueOn = a.dueOn.description
            status = a.status.rawValue
            overdue = a.overdue(on: today)
            escalatedTo = a.escalatedTo
            resolvedOn = a.resolvedOn?.description
            resolvedBy = a.resolvedBy
            reason = a.reason
            decisionId = a.decisionID
            rulesVersion = a.rulesVersion
        }
    }

    struct AppealsBody: Encodable {
        var unit: String
        var appeals: [AppealBody]
    }

    struct DecidedBody: Encodable {
        var appeal: AppealBody
        var request: DecisionsBody.Decision?
    }

    var rules: LedgerRules.PensionerSide { dependencies.stores.rules.pensioner_side }

    func store() throws -> any AppealStore {
        guard let store = dependencies.stores.appeals else { throw APIError(.internalError, "this ledger keeps no appeals") }
        return store
    }

    func register(_ routes: RouteRegistrar) {
        routes.add(.personStatus) { request, context, _ in
            let caller = try context.requireCaller()
            let id = try PersonRoutes.residentID(context)
            let language = try Self.language(request)
            try await requireBound(caller, id, request)
            let status = try await store().personStatus(id, scope: caller.unitPath)
            return try JSON.response(body(status, language: language))
        }
        routes.add(.fileAppeal) { request, context, body in
            let caller = try context.requireCaller()
            let id = try PersonRoutes.residentID(context)
            try await requireBound(caller, id, request)
            let input = try JSON.decode(FileBody.self, from: body)
            let filer: Appeal.Filer
            switch caller.role {
            case .mobile:
                switch input.filedBy ?? "pensioner" {
                case "pensioner": filer = .pensioner
                case "relative": filer = .relative
                default: throw APIError(.invalidRequest, "filed_by must be pensioner or relative")
                }
            case .staff:
                filer = .communityWorker  // a staff key is a named community worker's
            default:
                // An operator key of a community files as its community worker; a key of a higher
                // unit files as an operator.
                filer = caller.unitPath.split(separator: "/").count >= 4 ? .communityWorker : .operator
            }
            let appeal = try await store().fileAppeal(
                AppealFiling(
                    person: id.value, filer: filer, actor: caller.actor, relativeName: input.relativeName, relation: input.relation,
                    grounds: input.grounds ?? ""),
                scope: caller.unitPath, on: ServiceClock.today())
            context.logger.info("appeal filed", metadata: ["appeal": "\(appeal.id)", "person": "\(id)", "by": "\(filer.rawValue)"])
            return try JSON.response(AppealBody(appeal, today: ServiceClock.today()), status: .created)
        }
        routes.add(.appeals) { request, context, _ in
            let unit = try await LedgerRoutes(dependencies: dependencies).unitInScope(request, context)
            var status: Appeal.Status?
            if let text = request.uri.queryParameters.get("status") {
                guard let parsed = Appeal.Status(rawValue: String(text)) else {
                    throw APIError(.invalidQuery, "status must be open, upheld, rejected or moot")
                }
                status = parsed
            }
            let person = try request.uri.queryParameters.get("resident_id").map { try ResidentID(String($0)).value }
            let appeals = try await store().appeals(unit: unit, status: status, person: person)
            let today = ServiceClock.today()
            return try JSON.response(AppealsBody(unit: unit, appeals: appeals.map { AppealBody($0, today: today) }))
        }
        routes.add(.resolveAppeal) { _, context, body in
            let caller = try context.requireCaller()
            let id = try DecisionRoutes.id(context)
            let input = try JSON.decode(ResolveBody.self, from: body)
            guard let outcome = Appeal.Outcome(rawValue: input.outcome) else {
                throw APIError(.invalidOutcome, "outcome must be upheld or rejected")
            }
            let today = ServiceClock.today()
            let decided = try await store().resolveAppeal(
                id, outcome: outcome, reason: input.reason, by: caller.actor, scope: caller.unitPath, on: today)
            return try JSON.response(
                DecidedBody(appeal: AppealBody(decided.appeal, today: today), request: decided.request.map(DecisionsBody.Decision.init)))
        }
    }

    /// A kiosk or mobile key asks only about the person it verified within the window, from the
    /// same device; other roles pass (their unit scopes them).
    func requireBound(_ caller: APIKey, _ id: ResidentID, _ request: Request) async throws {
        let phone = try VerificationRoutes.phone(request)  // a malformed device header is refused for every role
        guard caller.role == .kiosk || caller.role == .mobile else { return }
        let minutes = rules.status_after_verification_minutes
        let device = VerificationAttempt.device(key: caller.id, kiosk: caller.role == .kiosk, phone: phone, person: id)
        let since = Date(timeIntervalSinceNow: -Double(minutes) * 60).formatted(.iso8601)
        guard try await store().verifiedRecently(person: id, key: caller.id, device: device, since: since) else {
            throw LedgerError(
                .personNotBound,
                "this key may ask only about a person it verified in the last \(minutes) minutes, from the same device: verify the person first"
            )
        }
    }

    /// `lang=zh|en`, else the first of Accept-Language that is Chinese or English; Chinese by default.
    static func language(_ request: Request) throws -> String {
        if let lang = request.uri.queryParameters.get("lang") {
            guard lang == "zh" || lang == "en" else { throw APIError(.invalidQuery, "lang must be zh or en") }
            return String(lang)
        }
        let accepted = request.headers[.acceptLanguage] ?? ""
        for part in accepted.split(separator: ",") {
            let tag = part.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if tag.hasPrefix("zh") { return "zh" }
            if tag.hasPrefix("en") { return "en" }
        }
        return "zh"
    }

    func body(_ s: PersonStatus, language: String) -> StatusBody {
        let ledgerRules = dependencies.stores.rules
        let today = ServiceClock.today()
        let ledger = s.ledger
        let near = ledger.status == .active && ledger.deadline <= today.adding(months: ledgerRules.warning_months)
        // Days in the advice as the person reads them (2027年3月1日), not as machines do.
        func written(_ day: Day) -> String { ledgerRules.notices.written(day, language: language) }
        var advice: [String] = []
        switch ledger.status {
        case .active where near:
            advice.append(rules.adviceText("near", language: language, values: ["deadline": written(ledger.deadline)]))
        case .active: break
        case .suspended:
            advice.append(rules.adviceText("suspended", language: language, values: ["day": ledger.suspendedOn.map(written) ?? ""]))
        case .deceased: advice.append(rules.adviceText("deceased", language: language, values: [:]))
        }
        if let appeal = s.openAppeal {
            advice.append(rules.adviceText("appeal", language: language, values: ["due": written(appeal.dueOn)]))
        }
        let evidence = s.lastEvidence.map { carried in
            StatusBody.Evidence(
                kind: carried.kind, label: ledgerRules.kind(carried.kind).map { rules.label($0, language: language) } ?? carried.kind,
                day: carried.day.description, department: rules.department(carried.source, language: language))
        }
        return StatusBody(
            residentId: s.personID, status: ledger.status.rawValue, deadline: ledger.deadline.description, deadlineNear: near,
            suspendedOn: ledger.suspendedOn?.description, deathDay: ledger.deathDay?.description, lastEvidence: evidence,
            appeal: s.openAppeal.map {
                .init(
                    id: $0.id, subject: $0.subject.rawValue, status: $0.status.rawValue, filedOn: $0.filedOn.description,
                    dueOn: $0.dueOn.description)
            }, advice: advice, language: language)
    }
}
