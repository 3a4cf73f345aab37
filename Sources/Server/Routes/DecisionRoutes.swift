import Foundation
import Hummingbird
import Ledger

/// Operators' decisions over HTTP: conflicts resolved, four-eyes requests approved or refused by
/// another key, extensions and holds. The actor of each is the calling key; the person must lie in
/// the key's unit. Decisions take today's date (no back-dating over the network).
struct DecisionRoutes {
    let dependencies: ServiceDependencies
    var ledger: any CaseworkStore { dependencies.stores.casework }
    var lists: LedgerRoutes { LedgerRoutes(dependencies: dependencies) }

    struct ResolveBody: Decodable {
        var outcome: String
        var reason: String
    }

    struct CreateBody: Decodable {
        var kind: String
        var residentId: String
        var reason: String
        var until: String?
        /// change_benefit: the new level and/or amount (yuan) and the first month at them
        var benefitLevel: String?
        var amount: PersonRoutes.Amount?
        var effectiveMonth: String?
        /// correct_person: the corrected name and/or birth date
        var name: String?
        var birthDate: String?
    }

    struct NoteBody: Decodable {
        var reason: String?
    }

    func register(_ routes: RouteRegistrar) {
        routes.add(.conflicts) { request, context, _ in
            let unit = try await lists.unitInScope(request, context)
            let conflicts = try await ledger.conflicts(unit: unit, includeResolved: try LedgerRoutes.flag(request, "include_resolved"))
            return try JSON.response(ConflictsBody(unit: unit, conflicts: conflicts.map(ConflictsBody.Conflict.init)))
        }
        routes.add(.resolveConflict) { _, context, body in
            let caller = try context.requireCaller()
            let id = try Self.id(context)
            let input = try JSON.decode(ResolveBody.self, from: body)
            guard let outcome = ConflictOutcome(rawValue: input.outcome) else {
                throw APIError(.invalidOutcome, "outcome must be evidence_rejected (the death stands) or death_disputed")
            }
            let decisions = try await ledger.resolveConflict(
                id, outcome: outcome, reason: input.reason, by: caller.actor, scope: caller.unitPath, on: ServiceClock.today())
            return try JSON.response(DecisionsBody(decisions: decisions.map(DecisionsBody.Decision.init)))
        }
        routes.add(.decisions) { request, context, _ in
            let unit = try await lists.unitInScope(request, context)
            let status: String? = request.uri.queryParameters.get("status").map { String($0) }
            if let status, !["pending", "approved", "rejected", "in_force", "ended", "done"].contains(status) {
                throw APIError(.invalidQuery, "status must be pending, approved, rejected, in_force, ended or done")
            }
            let decisions = try await ledger.decisions(unit: unit, status: status)
            return try JSON.response(DecisionsBody(decisions: decisions.map(DecisionsBody.Decision.init)))
        }
        routes.add(.createDecision) { _, context, body in try await create(context, body) }
        routes.add(.approveDecision) { _, context, body in
            let caller = try context.requireCaller()
            let id = try Self.id(context)
            let input = try JSON.decode(NoteBody.self, from: body)
            let result = try await ledger.approve(
                id, reason: input.reason, by: caller.actor, scope: caller.unitPath, on: ServiceClock.today())
            return try JSON.response(ApprovalBody(decision: .init(result.decision), ledgerChanges: result.changes))
        }
        routes.add(.rejectDecision) { _, context, body in
            let caller = try context.requireCaller()
            let id = try Self.id(context)
            let input = try JSON.decode(NoteBody.self, from: body)
            let decision = try await ledger.reject(
                id, reason: input.reason ?? "", by: caller.actor, scope: caller.unitPath, on: ServiceClock.today())
            return try JSON.response(DecisionsBody(decisions: [.init(decision)]))
        }
        routes.add(.releaseHold) { _, context, body in
            let caller = try context.requireCaller()
            let id = try Self.id(context)
            let input = try JSON.decode(NoteBody.self, from: body)
            let decision = try await ledger.release(
                id, reason: input.reason ?? "", by: caller.actor, scope: caller.unitPath, on: ServiceClock.today())
            return try JSON.response(DecisionsBody(decisions: [.init(decision)]))
        }
    }

    func create(_ context: APIContext, _ body: ByteBuffer) async throws -> Response {
        let caller = try context.requireCaller()
        let input = try JSON.decode(CreateBody.self, from: body)
        let person = try ResidentID(input.residentId).value
        let today = ServiceClock.today()
        func until() throws -> Day {
            guard let text = input.until, let day = Day(text) else {
                throw APIError(.invalidDay, "until (YYYY-MM-DD) is required for an extension or a hold")
            }
            return day
        }
        let decision: Decision
        let kind = Decision.Kind(rawValue: input.kind)
        switch kind {
        case .reverseDeath?, .reinstate?:
            decision = try await ledger.request(
                kind!, person: person, reason: input.reason, by: caller.actor, scope: caller.unitPath, on: today)
        case .extend?:
            decision = try await ledger.extend(
                person: person, until: try until(), reason: input.reason, by: caller.actor, scope: caller.unitPath, on: today)
        case .hold?:
            decision = try await ledger.hold(
                person: person, until: try until(), reason: input.reason, by: caller.actor, scope: caller.unitPath, on: today)
        case .changeBenefit?:
            guard let month = input.effectiveMonth else {
                throw APIError(.invalidDay, "effective_month (YYYY-MM) is required for a change_benefit")
            }
            decision = try await ledger.requestBenefitChange(
                person: person, level: input.benefitLevel, amount: input.amount?.text, effectiveMonth: month, reason: input.reason,
                by: caller.actor, scope: caller.unitPath, on: today)
        case .correctPerson?:
            decision = try await ledger.requestCorrection(
                person: person, name: input.name, birthDate: input.birthDate, reason: input.reason, by: caller.actor,
                scope: caller.unitPath,
                on: today)
        case .resolveConflict?, nil:
            throw APIError(
                .invalidKind,
                "kind must be reverse_death, reinstate, change_benefit, correct_person, extend or hold (conflicts are resolved at /v1/conflicts/{id}/resolution)"
            )
        }
        return try JSON.response(DecisionsBody(decisions: [.init(decision)]), status: .created)
    }

    static func id(_ context: APIContext) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap(Int64.init), id > 0 else {
            throw APIError(.invalidID, "the id must be a positive integer")
        }
        return id
    }
}

struct ConflictsBody: Encodable {
    struct Conflict: Encodable {
        var id: Int64
        var residentId: String
        var name: String
        var unitCode: String
        var day: String
        var cause: String
        var resolution: DecisionsBody.Decision?

        init(_ c: Ledger.Conflict) {
            id = c.id
            residentId = c.personID
            name = c.name
            unitCode = c.unitCode
            day = c.day.description
            cause = c.cause
            resolution = c.resolution.map(DecisionsBody.Decision.init)
        }
    }
    var unit: String
    var conflicts: [Conflict]
}

struct DecisionsBody: Encodable {
    struct Decision: Encodable {
        var id: Int64
        var kind: String
        var status: String
        var residentId: String
        var name: String
        var unitCode: String
        var conflictId: Int64?
        var outcome: String?
        var until: String?
        var reason: String
        var requestedBy: String
        var requestedOn: String
        var decidedBy: String?
        var decidedOn: String?
        var decisionReason: String?
        /// The rules version it was made under (absent for decisions before the rules were versioned).
        var rulesVersion: Int?
        var benefitLevel: String?
        var amount: String?
        var effectiveMonth: String?
        var newName: String?
        var birthDate: String?

        init(_ d: Ledger.Decision) {
            id = d.id
            kind = d.kind.rawValue
            status = d.status
            residentId = d.personID
            name = d.name
            unitCode = d.unitCode
            conflictId = d.conflictID
            outcome = d.outcome
            until = d.until?.description
            reason = d.reason
            requestedBy = d.requestedBy
            requestedOn = d.requestedOn.description
            decidedBy = d.decidedBy
            decidedOn = d.decidedOn?.description
            decisionReason = d.decisionReason
            rulesVersion = d.rulesVersion
            benefitLevel = d.change?.benefitLevel
            amount = d.change?.amountFen.map { Yuan.text(fen: $0) }
            effectiveMonth = d.change?.effectiveMonth?.description
            newName = d.change?.name
            birthDate = d.change?.birthDate?.description
        }
    }
    var decisions: [Decision]
}

struct ApprovalBody: Encodable {
    var decision: DecisionsBody.Decision
    var ledgerChanges: [String: Int]
}
