import Foundation
import HTTPTypes
import Hummingbird
import Ledger

/// The money over HTTP: stored payroll runs (run once a month by a city operator, read by staff in
/// their unit, as JSON pages or CSV) and overpayment recovery cases (listed, exported, closed).
struct MoneyRoutes {
    let dependencies: ServiceDependencies
    var money: any MoneyStore { dependencies.stores.money }
    var casework: any CaseworkStore { dependencies.stores.casework }
    var lists: LedgerRoutes { LedgerRoutes(dependencies: dependencies) }

    struct RunBody: Decodable {
        var month: String
    }

    struct CloseBody: Decodable {
        var outcome: String
        var reason: String
    }

    func register(_ routes: RouteRegistrar) {
        routes.add(.payrollRuns) { _, _, _ in
            try JSON.response(PayrollRunsBody(runs: try await money.payrollRuns().map(PayrollRunsBody.Run.init)))
        }
        routes.add(.runPayroll) { _, context, body in
            let caller = try context.requireCaller()
            let input = try JSON.decode(RunBody.self, from: body)
            guard input.month.count == 7, let month = Month(input.month) else { throw APIError(.invalidRequest, "month must be YYYY-MM") }
            try caller.checkCoversWholeCity(for: "a payroll run")
            let run = try await money.runPayroll(month: month, on: ServiceClock.today(), by: caller.actor)
            return try JSON.response(PayrollRunsBody.Run(run), status: .created)
        }
        routes.add(.payroll) { request, context, _ in
            let unit = try await lists.unitInScope(request, context)
            let month = try LedgerRoutes.month(request, required: true)!
            if try Self.wantsCSV(request) {
                // The run's recorded chain head rides in a header (the body stays the bare CSV); an
                // unknown run is refused by the first page.
                var headers = HTTPFields()
                if let run = try await money.payrollRun(month) { headers[Self.chainHeadField] = run.chainHeadText }
                // The file for the bank is what the chain sealed, or nothing (409 chain_tampered).
                if let finding = try await dependencies.stores.audit.checkRunLines(month) {
                    throw LedgerError(
                        .chainTampered,
                        "the lines of the \(month) run do not match the audit chain: \(finding); an auditor's `fastcert audit verify` names the line"
                    )
                }
                return try await CSVStream<PayrollLine>(
                    name: "payroll-\(month)-\(unit).csv", header: PayrollLine.csvHeader,
                    page: { [money] after, limit in try await money.payrollLines(month: month, unit: unit, after: after, limit: limit) },
                    key: \.id, cells: \.csvCells
                )
                .response(lane: dependencies.heavyReads, logger: context.logger, headers: headers)
            }
            let page = try Page.afterID(request)
            let lines = page.cut(try await money.payrollLines(month: month, unit: unit, after: page.start, limit: page.fetchLimit)) {
                $0.id
            }
            return try JSON.response(
                PayrollBody(month: month.description, unit: unit, lines: lines.rows.map(PayrollBody.Line.init), next: lines.next))
        }
        routes.add(.recoveries) { request, context, _ in
            let unit = try await lists.unitInScope(request, context)
            var status: Recovery.Status?
            if let text = request.uri.queryParameters.get("status") {
                guard let parsed = Recovery.Status(rawValue: String(text)) else {
                    throw APIError(.invalidQuery, "status must be open, recovered, waived or cancelled")
                }
                status = parsed
            }
            if try Self.wantsCSV(request) {
                let status = status
                return try await CSVStream<Recovery>(
                    name: "recoveries-\(unit).csv", header: Recovery.csvHeader,
                    page: { [casework] after, limit in try await casework.recoveries(unit: unit, status: status, after: after, limit: limit)
                    },
                    key: \.id, cells: \.csvCells
                )
                .response(lane: dependencies.heavyReads, logger: context.logger)
            }
            let page = try Page.afterID(request)
            let cases = page.cut(try await casework.recoveries(unit: unit, status: status, after: page.start, limit: page.fetchLimit)) {
                $0.id
            }
            return try JSON.response(RecoveriesBody(unit: unit, recoveries: cases.rows.map(RecoveriesBody.Recovery.init), next: cases.next))
        }
        routes.add(.closeRecovery) { _, context, body in
            let caller = try context.requireCaller()
            let id = try DecisionRoutes.id(context)
            let input = try JSON.decode(CloseBody.self, from: body)
            guard let outcome = Recovery.Status(rawValue: input.outcome), outcome == .recovered || outcome == .waived else {
                throw APIError(.invalidOutcome, "outcome must be recovered (the money came back) or waived (given up, with a reason)")
            }
            let closed = try await casework.closeRecovery(
                id, as: outcome, reason: input.reason, by: caller.actor, on: ServiceClock.today(), scope: caller.unitPath)
            return try JSON.response(RecoveriesBody.Recovery(closed))
        }
    }

    /// The payroll CSV's header carrying the run's recorded audit chain head (`SEQ:HASH`, or `none`).
    static let chainHeadField = HTTPField.Name("FastCert-Chain-Head")!

    /// `format=csv` (or `json`, the default); anything else is refused.
    static func wantsCSV(_ request: Request) throws -> Bool {
        switch request.uri.queryParameters.get("format") {
        case nil, "json": return false
        case "csv": return true
        default: throw APIError(.invalidQuery, "format must be json or csv")
        }
    }

}

struct PayrollRunsBody: Encodable {
    struct Run: Encodable {
        var month: String
        var runOn: String
        var actor: String
        var at: String
        var lines: Int
        var persons: Int
        var total: String
        var backPayLines: Int
        /// The audit chain head the run recorded (`SEQ:HASH`; absent for a run stored before the chain).
        var chainHead: String?

        init(_ r: PayrollRun) {
            month = r.month.description
            runOn = r.runOn.description
            actor = r.actor
            at = r.at
            lines = r.lines
            persons = r.persons
            total = Yuan.text(fen: r.totalFen)
            backPayLines = r.backPayLines
            chainHead = r.chainHead?.description
        }
    }
    var runs: [Run]
}

struct PayrollBody: Encodable {
    struct Line: Encodable {
        var id: Int64
        var residentId: String
        var name: String
        var unitCode: String
        var forMonth: String
        var kind: String
        var amount: String
        var reason: String

        init(_ l: PayrollLine) {
            id = l.id
            residentId = l.personID
            name = l.name
            unitCode = l.unitCode
            forMonth = l.forMonth.description
            kind = l.kind.rawValue
            amount = Yuan.text(fen: l.amountFen)
            reason = l.reason
        }
    }
    var month: String
    var unit: String
    var lines: [Line]
    /// The `after` of the next page (absent on the last).
    var next: Int64?

}

struct RecoveriesBody: Encodable {
    struct Recovery: Encodable {
        var id: Int64
        var residentId: String
        var name: String
        var unitCode: String
        var deathDay: String
        var months: [String]
        var runs: [String]
        var amount: String
        var cause: String
        var status: String
        var openedAt: String
        var openedBy: String
        var closedOn: String?
        var closedBy: String?
        var closeReason: String?

        init(_ r: Ledger.Recovery) {
            id = r.id
            residentId = r.personID
            name = r.name
            unitCode = r.unitCode
            deathDay = r.deathDay.description
            months = r.months.map(\.description)
            runs = r.runs.map(\.description)
            amount = Yuan.text(fen: r.amountFen)
            cause = r.cause
            status = r.status.rawValue
            openedAt = r.openedAt
            openedBy = r.openedBy
            closedOn = r.closedOn?.description
            closedBy = r.closedBy
            closeReason = r.closeReason
        }
    }
    var unit: String
    var recoveries: [Recovery]
    /// The `after` of the next page (absent on the last).
    var next: Int64?
}
