import Foundation

// The usual arguments of the store protocols' requirements, for callers that take them (the
// command line acts unscoped, as the operator on the server; lists are whole unless paged).

extension RegistryImportStore {
    /// A file imported on the server without a key: entered by the system account.
    public func importPersons(csv text: String, strict: Bool = false, today: Day) async throws -> ImportReport {
        try await importPersons(CSVReader(text), strict: strict, today: today, by: ActorID.systemAccount.description, scope: nil)
    }
}

extension EvidenceStore {
    /// A file imported on the server without a key, by the system account (reference kinds only:
    /// ``EvidenceDelivery/file(by:receivedOn:)``), received today, 20,000 rows a transaction unless told.
    public func importEvidence(
        _ input: EvidenceFeed, batchSize: Int = 20_000, into report: inout ImportReport,
        progress: (@Sendable (Int, Double) -> Void)? = nil
    ) async throws {
        try await importEvidence(
            input, batchSize: batchSize, delivery: .file(by: ActorID.systemAccount.description, receivedOn: ServiceClock.today()),
            into: &report,
            progress: progress)
    }

    public func importEvidence(_ rows: [EvidenceInput], delivery: EvidenceDelivery, into report: inout ImportReport) async throws {
        try await importEvidence(rows, batchSize: 20_000, delivery: delivery, into: &report)
    }
}

extension DailyWorkStore {
    /// The sweep of `day` by the system account, 20,000 persons a transaction.
    public func sweep(on day: Day) async throws -> SweepReport {
        try await sweep(on: day, by: ActorID.systemAccount.description, batch: 20_000)
    }

    public func prune(_ retention: Retention) async throws -> PruneReport {
        try await prune(retention, now: Date(), batch: 5_000)
    }
}

extension CaseworkStore {
    public func tasks(unit: String, includeClosed: Bool = false) async throws -> [TaskView] {
        try await tasks(unit: unit, includeClosed: includeClosed, kind: nil, offset: 0, limit: nil)
    }

    public func completeTask(_ id: Int64, outcome: TaskOutcome, on day: Day, note: String?, by actor: String) async throws -> [String: Int]
    {
        try await completeTask(id, outcome: outcome, on: day, note: note, by: actor, scope: nil)
    }

    public func outbox(includeSent: Bool) async throws -> [OutboxMessage] {
        try await outbox(includeSent: includeSent, limit: 1000, unit: nil)
    }

    public func resolveConflict(_ id: Int64, outcome: ConflictOutcome, reason: String, by actor: String, on day: Day) async throws
        -> [Decision]
    {
        try await resolveConflict(id, outcome: outcome, reason: reason, by: actor, scope: nil, on: day)
    }

    public func request(_ kind: Decision.Kind, person: String, reason: String, by actor: String, on day: Day) async throws -> Decision {
        try await request(kind, person: person, reason: reason, by: actor, scope: nil, on: day)
    }

    public func approve(_ id: Int64, reason: String?, by actor: String, on day: Day) async throws -> (
        decision: Decision, changes: [String: Int]
    ) {
        try await approve(id, reason: reason, by: actor, scope: nil, on: day)
    }

    public func reject(_ id: Int64, reason: String, by actor: String, on day: Day) async throws -> Decision {
        try await reject(id, reason: reason, by: actor, scope: nil, on: day)
    }

    public func extend(person: String, until: Day, reason: String, by actor: String, on day: Day) async throws -> Decision {
        try await extend(person: person, until: until, reason: reason, by: actor, scope: nil, on: day)
    }

    public func hold(person: String, until: Day, reason: String, by actor: String, on day: Day) async throws -> Decision {
        try await hold(person: person, until: until, reason: reason, by: actor, scope: nil, on: day)
    }

    public func release(_ id: Int64, reason: String, by actor: String, on day: Day) async throws -> Decision {
        try await release(id, reason: reason, by: actor, scope: nil, on: day)
    }

    public func closeRecovery(_ id: Int64, as status: Recovery.Status, reason: String, by actor: String, on day: Day) async throws
        -> Recovery
    {
        try await closeRecovery(id, as: status, reason: reason, by: actor, on: day, scope: nil)
    }
}

extension MoneyStore {
    /// Every line of the run (within `unit`'s subtree when given), one at a time.
    public func payrollLines(month: Month, unit: String?, each: @escaping @Sendable (PayrollLine) -> Void) async throws {
        try await payrollLines(month: month, unit: unit, after: 0, limit: nil, each: each)
    }
}

extension QueryStore {
    public func alerts(unit: String, kind: Alert.Kind?) async throws -> [Alert] {
        try await alerts(unit: unit, kind: kind, offset: 0, limit: .max)
    }

    public func monthlyStats(units: [String], months: [Month]) async throws -> [String: [MonthlyStats]] {
        try await monthlyStats(units: units, months: months, now: Date())
    }
}

extension CallerKeyStore {
    /// A key made by the system account; `holder` is required for operator keys.
    public func createKey(
        name: String, role: APIKey.Role, unit: String, requireSignature: Bool = false, sources: [String] = [], holder: String? = nil
    ) async throws -> (key: APIKey, text: String, signingSecret: String?) {
        try await createKey(
            name: name, role: role, unit: unit, requireSignature: requireSignature, sources: sources, holder: holder,
            by: ActorID.systemAccount.description)
    }
}
