import Hummingbird
import Ledger

/// One route of the API: its method, its path as the OpenAPI document writes it, and the roles
/// that may call it (nil: public). The router is built from this table and the OpenAPI test
/// checks the document against it, so the two cannot drift apart.
public struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    public var method: HTTPRequest.Method
    public var path: String
    public var roles: Set<APIKey.Role>?

    public var description: String { "\(method.rawValue) \(path)" }
    /// Whether the route reads a request body (POST and PATCH); the others refuse one unread.
    public var takesBody: Bool { method == .post || method == .patch }

    static let staff: Set<APIKey.Role> = [.operator, .auditor]

    public static let health = APIRoute(method: .get, path: "/healthz", roles: nil)
    public static let ready = APIRoute(method: .get, path: "/readyz", roles: nil)
    public static let metrics = APIRoute(method: .get, path: "/metrics", roles: nil)
    public static let openAPI = APIRoute(method: .get, path: "/openapi.yaml", roles: nil)
    public static let createPerson = APIRoute(method: .post, path: "/v1/persons", roles: [.operator])
    public static let readPerson = APIRoute(method: .get, path: "/v1/persons/{id}", roles: [.operator, .auditor, .kiosk, .mobile])
    public static let updatePerson = APIRoute(method: .patch, path: "/v1/persons/{id}", roles: [.operator])
    public static let personLedger = APIRoute(method: .get, path: "/v1/persons/{id}/ledger", roles: staff)
    public static let enroll = APIRoute(method: .post, path: "/v1/persons/{id}/enrollments", roles: [.operator])
    public static let enrollment = APIRoute(method: .get, path: "/v1/persons/{id}/enrollments", roles: staff)
    public static let deleteEnrollment = APIRoute(method: .delete, path: "/v1/persons/{id}/enrollments", roles: [.operator])
    public static let enrollments = APIRoute(method: .get, path: "/v1/enrollments", roles: staff)
    /// A withdrawal of consent: the face template is deleted at once (issue 31).
    public static let withdrawConsent = APIRoute(method: .post, path: "/v1/persons/{id}/consent/withdrawal", roles: [.operator])
    /// A person's whole record for a subject-access request (issue 31).
    public static let personExport = APIRoute(method: .get, path: "/v1/persons/{id}/export", roles: [.operator, .auditor])
    public static let livenessSession = APIRoute(method: .post, path: "/v1/liveness/sessions", roles: [.kiosk, .mobile, .staff])
    public static let verify = APIRoute(method: .post, path: "/v1/verifications", roles: [.kiosk, .mobile, .staff])
    public static let evidence = APIRoute(method: .post, path: "/v1/evidence", roles: [.feed])
    public static let alerts = APIRoute(method: .get, path: "/v1/alerts", roles: staff)
    public static let tasks = APIRoute(method: .get, path: "/v1/tasks", roles: staff)
    public static let taskOutcome = APIRoute(method: .post, path: "/v1/tasks/{id}/outcome", roles: [.operator])
    public static let outbox = APIRoute(method: .get, path: "/v1/outbox", roles: staff)
    public static let payroll = APIRoute(method: .get, path: "/v1/payroll", roles: staff)
    public static let payrollRuns = APIRoute(method: .get, path: "/v1/payroll/runs", roles: staff)
    public static let runPayroll = APIRoute(method: .post, path: "/v1/payroll/runs", roles: [.operator])
    public static let recoveries = APIRoute(method: .get, path: "/v1/recoveries", roles: staff)
    public static let closeRecovery = APIRoute(method: .post, path: "/v1/recoveries/{id}/closure", roles: [.operator])
    public static let me = APIRoute(method: .get, path: "/v1/me", roles: [.operator, .auditor, .kiosk, .mobile, .feed, .staff])
    /// A community worker's device: its community's open visits (home visits, field checks) with their codes.
    public static let staffTasks = APIRoute(method: .get, path: "/v1/staff/tasks", roles: [.staff])
    public static let units = APIRoute(method: .get, path: "/v1/units", roles: staff)
    public static let stats = APIRoute(method: .get, path: "/v1/stats", roles: staff)
    public static let statsSeries = APIRoute(method: .get, path: "/v1/stats/series", roles: staff)
    public static let conflicts = APIRoute(method: .get, path: "/v1/conflicts", roles: staff)
    public static let resolveConflict = APIRoute(method: .post, path: "/v1/conflicts/{id}/resolution", roles: [.operator])
    public static let decisions = APIRoute(method: .get, path: "/v1/decisions", roles: staff)
    public static let createDecision = APIRoute(method: .post, path: "/v1/decisions", roles: [.operator])
    public static let approveDecision = APIRoute(method: .post, path: "/v1/decisions/{id}/approval", roles: [.operator])
    public static let rejectDecision = APIRoute(method: .post, path: "/v1/decisions/{id}/rejection", roles: [.operator])
    public static let releaseHold = APIRoute(method: .post, path: "/v1/decisions/{id}/release", roles: [.operator])
    public static let auditChain = APIRoute(method: .get, path: "/v1/audit/chain", roles: [.auditor])
    /// Cameras send sightings and read nothing (docs/sightings.md).
    public static let sighting = APIRoute(method: .post, path: "/v1/sightings", roles: [.camera])
    public static let sightingBatch = APIRoute(method: .post, path: "/v1/sightings/batch", roles: [.camera])
    public static let sightingStats = APIRoute(method: .get, path: "/v1/stats/sightings", roles: staff)
    /// The pensioner's side (issue 31): kiosk and mobile keys only for a person they just verified.
    public static let personStatus = APIRoute(
        method: .get, path: "/v1/persons/{id}/status", roles: [.kiosk, .mobile, .staff, .operator, .auditor])
    /// A community worker files with their `staff` key (or an operator key of the community).
    public static let fileAppeal = APIRoute(method: .post, path: "/v1/persons/{id}/appeals", roles: [.mobile, .staff, .operator])
    public static let appeals = APIRoute(method: .get, path: "/v1/appeals", roles: staff)
    public static let resolveAppeal = APIRoute(method: .post, path: "/v1/appeals/{id}/resolve", roles: [.operator])

    /// Every route the service serves.
    public static let all: [APIRoute] = [
        health, ready, metrics, openAPI, createPerson, readPerson, updatePerson, personLedger, enroll, enrollment, deleteEnrollment,
        enrollments, withdrawConsent, personExport, livenessSession, verify, evidence,
        alerts,
        tasks, taskOutcome, outbox, payroll, me, units, stats, statsSeries, conflicts, resolveConflict, decisions, createDecision,
        approveDecision,
        rejectDecision, releaseHold, payrollRuns, runPayroll, recoveries, closeRecovery, auditChain, sighting, sightingBatch,
        sightingStats, personStatus, fileAppeal, appeals, resolveAppeal,
        staffTasks,
    ]

    /// The route whose path template matches `path` with another method, for 405 answers.
    static func methods(matching path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return all.filter { route in
            let template = route.path.split(separator: "/", omittingEmptySubsequences: false)
            return template.count == parts.count
                && zip(template, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.map(\.method)
    }
}
