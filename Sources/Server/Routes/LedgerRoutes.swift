import Foundation
import Hummingbird
import Ledger
import NIOPosix

/// The ledger's operator commands over HTTP: evidence batches from departments' feeds, and the
/// lists communities act on (alerts, tasks and their outcomes, the outbox, payroll, stats), each
/// within the caller's unit.
struct LedgerRoutes {
    let dependencies: ServiceDependencies
    var queries: any QueryStore { dependencies.stores.queries }
    var casework: any CaseworkStore { dependencies.stores.casework }

    /// Rows accepted in one evidence request.
    static let maxEvidenceRows = 50_000

    struct EvidenceBody: Decodable {
        struct Row: Decodable {
            var source: String?
            var externalId: String?
            var residentId: String?
            var kind: String?
            var observedAt: String?
            var payload: String?
        }
        var rows: [Row]

        enum CodingKeys: String, CodingKey { case rows }

        /// Decodes at most one row past the limit: ten megabytes of `{},` (millions of rows) is
        /// refused as too many rows without a row value built for each (the decoder still scans
        /// the whole document once).
        init(from decoder: any Decoder) throws {
            var list = try decoder.container(keyedBy: CodingKeys.self).nestedUnkeyedContainer(forKey: .rows)
            rows = []
            while !list.isAtEnd, rows.count <= LedgerRoutes.maxEvidenceRows { rows.append(try list.decode(Row.self)) }
        }
    }

    struct ImportBody: Encodable {
        struct Problem: Encodable {
            var row: Int
            var reason: String
            /// Set where the sender must act in a specific way (`external_id_conflict`).
            var code: String?
        }
        var imported: Int
        var alreadyPresent: Int
        var refused: [Problem]
        var ledgerChanges: [String: Int]
        /// Rows held for review (a burst beyond corroboration.max_events_per_day), and why.
        var held: Int
        var heldWhy: [String]
    }

    func register(_ routes: RouteRegistrar) {
        routes.add(.evidence) { request, context, body in try await evidence(request, context, body) }
        routes.add(.alerts) { request, context, _ in
            let unit = try await unitInScope(request, context)
            var kind: Alert.Kind?
            if let text = request.uri.queryParameters.get("kind") {
                guard let parsed = Alert.Kind(rawValue: text) else {
                    throw APIError(
                        .invalidKind,
                        "kind must be one of \(Alert.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                kind = parsed
            }
            let page = try Page.offset(request)
            let alerts = page.cut(try await queries.alerts(unit: unit, kind: kind, offset: page.start, limit: page.fetchLimit))
            return try JSON.response(AlertsBody(unit: unit, alerts: alerts.rows.map(AlertsBody.Alert.init), nextOffset: alerts.next))
        }
        routes.add(.tasks) { request, context, _ in
            let unit = try await unitInScope(request, context)
            let closed = try Self.flag(request, "include_closed")
            let kind: String? = request.uri.queryParameters.get("kind").map { String($0) }
            if let kind, !TaskView.kinds.contains(kind) {
                throw APIError(.invalidKind, "kind must be one of \(TaskView.kinds.joined(separator: ", "))")
            }
            let page = try Page.offset(request)
            let tasks = page.cut(
                try await casework.tasks(unit: unit, includeClosed: closed, kind: kind, offset: page.start, limit: page.fetchLimit))
            return try JSON.response(TasksBody(unit: unit, tasks: tasks.rows.map { TasksBody.Task($0) }, nextOffset: tasks.next))
        }
        routes.add(.taskOutcome) { _, context, body in try await taskOutcome(context, body) }
        // A community worker's device: its community's open visits with their codes (the worker
        // states the code at the door; the person received it beforehand).
        routes.add(.staffTasks) { request, context, _ in
            let caller = try context.requireCaller()
            let page = try Page.offset(request)
            let visits = try await casework.tasks(unit: caller.unitCode, includeClosed: false, kind: nil, offset: 0, limit: nil).filter {
                TaskView.visitKinds.contains($0.kind) && $0.unitCode == caller.unitCode
            }
            let rows = Array(visits.dropFirst(page.start).prefix(page.limit))
            let next = page.start + rows.count < visits.count ? page.start + rows.count : nil
            return try JSON.response(
                TasksBody(unit: caller.unitCode, tasks: rows.map { TasksBody.Task($0, showCode: true) }, nextOffset: next))
        }
        routes.add(.outbox) { request, context, _ in
            let unit = try await unitInScope(request, context)
            let sent = try Self.flag(request, "include_sent")
            let limit = try Page<Int>.limit(request)
            let messages = try await casework.outbox(includeSent: sent, limit: limit, unit: unit)
            return try JSON.response(OutboxBody(messages: messages.map(OutboxBody.Message.init)))
        }
        routes.add(.me) { _, context, _ in
            let caller = try context.requireCaller()
            let unit = try await queries.unitName(caller.unitCode)
            return try JSON.response(
                MeBody(
                    keyId: caller.id, name: caller.name, role: caller.role.rawValue, unitCode: caller.unitCode,
                    unitName: unit?.name ?? caller.unitCode, unitLevel: unit?.level ?? ""))
        }
        routes.add(.units) { request, context, _ in
            let unit = try await unitInScope(request, context)
            let units = try await queries.units(within: unit)
            return try JSON.response(UnitsBody(unit: unit, units: units.map(UnitsBody.Unit.init)))
        }
        // Both read the units' stored monthly figures (milliseconds); a month not yet stored, or
        // stale past its time, is computed first, in the heavy-read lane like every stats read.
        routes.add(.stats) { request, context, _ in
            let unit = try await unitInScope(request, context)
            let month = try Self.statsMonth(request)
            let (figures, fairness) = try await dependencies.heavyReads.run {
                (
                    try await queries.monthlyStats(units: [unit], months: [month]),
                    try await queries.fairness(unit: unit, month: month, today: ServiceClock.today())
                )
            }
            return try JSON.response(StatsBody(try Self.only(figures[unit]), fairness: fairness))
        }
        routes.add(.statsSeries) { request, context, _ in
            let unit = try await unitInScope(request, context)
            let month = try Self.statsMonth(request)
            let count = try Self.integer(request, "months", default: 12, range: 1...Self.statsMonthsBack)
            let months = (0..<count).reversed().map { Month(month.firstDay.adding(months: -$0)) }
            let children = try await queries.childUnits(of: unit)
            let (series, below) = try await dependencies.heavyReads.run {
                (
                    try await queries.monthlyStats(units: [unit], months: months),
                    try await queries.monthlyStats(units: children, months: [month])
                )
            }
            return try JSON.response(
                StatsSeriesBody(
                    unit: unit, month: month.description, series: (series[unit] ?? []).map(StatsBody.init),
                    children: try children.map { StatsBody(try Self.only(below[$0])) }))
        }
    }

    // MARK: - Evidence

    func evidence(_ request: Request, _ context: APIContext, _ body: ByteBuffer) async throws -> Response {
        let caller = try context.requireCaller()
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        // Up to 10 MB and 50,000 rows parsed: on a thread for blocking work, not the concurrency
        // pool's (two threads on two cores, which every request's deadline and answer need).
        let (rows, parsed) = try await NIOThreadPool.singleton.runIfActive { try Self.evidenceRows(body, mediaType: mediaType) }
        var report = parsed
        guard rows.count <= Self.maxEvidenceRows else {
            throw APIError(.tooManyRows, "send at most \(Self.maxEvidenceRows) rows a request")
        }
        guard !rows.isEmpty || !report.problems.isEmpty else {
            throw APIError(.noRows, "the batch holds no evidence rows")
        }
        do {
            try await dependencies.stores.evidence.importEvidence(
                rows, delivery: .feed(caller, receivedOn: ServiceClock.today()), into: &report)
        } catch {
            // The store classifies its own failures; anything else is a fault (logged, no detail sent).
            throw (error is LedgerError || error is StorageError) ? error : StorageError(.databaseFault, "evidence import failed: \(error)")
        }
        context.logger.info("evidence batch", metadata: ["imported": "\(report.imported)", "refused": "\(report.problems.count)"])
        return try JSON.response(
            ImportBody(
                imported: report.imported, alreadyPresent: report.alreadyPresent,
                refused: report.problems.map { .init(row: $0.line, reason: $0.reason, code: $0.code) }, ledgerChanges: report.changes,
                held: report.held, heldWhy: report.heldWhy))
    }

    /// The rows of an evidence batch as sent (JSON, CSV or NDJSON), the rows refused on the way
    /// in its report; a body that is not a batch at all is an ``APIError``.
    static func evidenceRows(_ body: ByteBuffer, mediaType: String?) throws -> ([EvidenceInput], ImportReport) {
        var report = ImportReport()
        var rows: [EvidenceInput]
        switch mediaType {
        case "application/json":
            let batch = try JSON.decode(EvidenceBody.self, from: body)
            rows = batch.rows.enumerated().map { index, row in
                EvidenceInput(
                    line: index + 1, source: row.source ?? "", externalID: row.externalId ?? "", residentID: row.residentId ?? "",
                    kind: row.kind ?? "", observedAt: row.observedAt ?? "", payload: row.payload)
            }
        case "text/csv", "application/x-ndjson":
            var feed = EvidenceFeed(bytes: Array(body.readableBytesView), ndjson: mediaType == "application/x-ndjson")
            rows = []
            while let row = feed.next(report: &report) {
                rows.append(row)
                if rows.count > Self.maxEvidenceRows { break }
            }
            // A CSV without its header is a malformed request, not a batch of refused rows.
            if mediaType == "text/csv", rows.isEmpty, let problem = report.problems.first(where: { $0.line == 1 }) {
                throw APIError(.invalidCSV, problem.reason)
            }
        default:
            throw APIError(
                .unsupportedMediaType,
                "send evidence as application/json ({\"rows\": [...]}), text/csv or application/x-ndjson")
        }
        return (rows, report)
    }

    // MARK: - Tasks

    struct OutcomeBody: Decodable {
        var outcome: String
        var day: String?
        var note: String?
    }

    func taskOutcome(_ context: APIContext, _ body: ByteBuffer) async throws -> Response {
        let caller = try context.requireCaller()
        guard let id = context.parameters.get("id").flatMap(Int64.init), id > 0 else {
            throw APIError(.invalidTaskID, "the task id must be a positive integer")
        }
        let input = try JSON.decode(OutcomeBody.self, from: body)
        guard let outcome = TaskOutcome(rawValue: input.outcome.replacingOccurrences(of: "_", with: "-")) else {
            throw APIError(.invalidOutcome, "outcome must be seen_alive, deceased, unreachable or reached (phone calls)")
        }
        let day: Day
        if let text = input.day {
            guard let parsed = Day(text) else { throw APIError(.invalidDay, "day must be YYYY-MM-DD") }
            day = parsed
        } else {
            day = ServiceClock.today()
        }
        guard day <= ServiceClock.today() else { throw APIError(.invalidDay, "the day of a visit cannot be in the future") }
        // What staff found is evidence of life: recorded by a named person, never a key issued to nobody.
        try ActorID.requireNamed(caller.actor, to: "record what staff found on a task")
        // The scope is the task's person's unit now, checked with the write (a task of someone who
        // moved away is unknown here, as a person outside the unit is).
        let changes = try await casework.completeTask(
            id, outcome: outcome, on: day, note: input.note, by: caller.actor, scope: caller.unitPath)
        return try JSON.response(OutcomeResult(taskId: id, outcome: input.outcome, ledgerChanges: changes))
    }

    struct OutcomeResult: Encodable {
        var taskId: Int64
        var outcome: String
        var ledgerChanges: [String: Int]
    }

    // MARK: - Query parameters

    /// `?unit=CODE` (default: the caller's unit), which must lie within the caller's unit.
    func unitInScope(_ request: Request, _ context: APIContext) async throws -> String {
        let caller = try context.requireCaller()
        guard let unit = request.uri.queryParameters.get("unit"), unit != caller.unitCode else { return caller.unitCode }
        guard unit.count <= 32, unit.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            throw APIError(.invalidUnit, "unit must be a unit code")
        }
        guard let path = try await queries.unitPath(unit) else {
            throw LedgerError(.unknownUnit, "no unit \(unit)")
        }
        guard path.hasPrefix(caller.unitPath) else {
            throw LedgerError(.outOfScope, "unit \(unit) is outside this key's unit \(caller.unitCode)")
        }
        return unit
    }

    static func flag(_ request: Request, _ name: String) throws -> Bool {
        guard let text = request.uri.queryParameters.get(name) else { return false }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError(.invalidQuery, "\(name) must be true or false")
        }
    }

    static func integer(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(
                .invalidQuery, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// Months the stats routes answer: the current one (Beijing time) and those before it, ten
    /// years back. Each month asked is stored for every unit, so the range bounds the table.
    static let statsMonthsBack = 120

    /// The `month` of a stats request (default: the current month), within ``statsMonthsBack``.
    static func statsMonth(_ request: Request, now: Date = Date()) throws -> Month {
        let current = Month(Day(now))
        let month = try month(request, required: false) ?? current
        let earliest = Month(current.firstDay.adding(months: -(statsMonthsBack - 1)))
        guard month <= current, earliest <= month else {
            throw APIError(.invalidQuery, "month must be from \(earliest) to the current month \(current)")
        }
        return month
    }

    /// The one figure a stats read asked for.
    static func only(_ figures: [MonthlyStats]?) throws -> MonthlyStats {
        guard let one = figures?.first else { throw APIError(.internalError, "the month's figures are missing") }
        return one
    }

    static func month(_ request: Request, required: Bool) throws -> Month? {
        guard let text = request.uri.queryParameters.get("month") else {
            if required { throw APIError(.invalidQuery, "month=YYYY-MM is required") }
            return nil
        }
        guard text.count == 7, let month = Month(text) else {
            throw APIError(.invalidQuery, "month must be YYYY-MM")
        }
        return month
    }
}
