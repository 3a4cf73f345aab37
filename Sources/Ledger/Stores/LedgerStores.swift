import Foundation

// What the layers above ask of the ledger's persistence, split by who asks: imports (the registry
// and departments' feeds), the daily work (sweep, statistics, pruning), casework (tasks,
// decisions, conflicts, recoveries), money (payroll runs and their lines), the read-only queries
// the console and the command line show, callers' keys, and the person registry. A backend
// implements all of them (Storage's `LedgerStore` on SQLite, a city's PostgreSQL next); the HTTP
// routes and the commands hold each as a protocol, so a route that only reads cannot write, and a
// second backend is a matter of conformances. Every method throws `LedgerError` when the request is
// refused (with a code a caller can act on) and `StorageError` when the store itself fails.

/// The registry's imports: units and persons, from the bureau's files.
public protocol RegistryImportStore: Sendable {
    /// Imports units (`code,name,level,parent_code`): every row or, `strict`, none.
    func importUnits(csv text: String, strict: Bool) async throws -> ImportReport
    /// Imports persons as a batch, reading rows as it goes (one transaction), each recorded as
    /// entered by `actor`; with a key's `scope` (a unit path), a community outside it is refused.
    func importPersons(_ input: CSVReader, strict: Bool, today: Day, by actor: String, scope: String?) async throws -> ImportReport
}

/// Departments' evidence: every row stored once, and what it changes applied in the same transaction.
public protocol EvidenceStore: Sendable {
    /// Imports a feed (CSV or NDJSON, parsed as it is read), `batchSize` rows a transaction.
    func importEvidence(
        _ input: EvidenceFeed, batchSize: Int, delivery: EvidenceDelivery, into report: inout ImportReport,
        progress: (@Sendable (Int, Double) -> Void)?
    ) async throws
    /// Imports rows already parsed (an HTTP batch).
    func importEvidence(_ rows: [EvidenceInput], batchSize: Int, delivery: EvidenceDelivery, into report: inout ImportReport)
        async throws
}

/// The daily work: the sweep (reminders, field checks, suspensions), its day, the stored
/// statistics and the pruning of what the service keeps only to serve requests.
public protocol DailyWorkStore: Sendable {
    /// Sweeps every person as of `day` (`batch` persons a transaction).
    func sweep(on day: Day, by actor: String, batch: Int) async throws -> SweepReport
    /// Sweeps when `day` was not swept yet; nil when it was.
    func sweepIfDue(on day: Day, by actor: String, batch: Int) async throws -> SweepReport?
    /// The last day swept, if any.
    func lastSweptDay() async throws -> Day?
    /// Recomputes the stored statistics of every month up to `month` that needs it.
    func refreshMonthlyStats(through month: Month, now: Date) async throws -> [Month]
    /// Deletes what `retention` no longer keeps, in bounded transactions.
    func prune(_ retention: Retention, now: Date, batch: Int) async throws -> PruneReport
}

/// Community staff's and operators' casework: tasks and messages, conflicts, decisions (four
/// eyes where the rules ask for them), holds and overpayment recoveries, each within `scope` (a
/// unit path) when one is given.
public protocol CaseworkStore: Sendable {
    /// A page of the open (or all) tasks in the unit's subtree; `limit` nil: all from `offset`.
    func tasks(unit: String, includeClosed: Bool, kind: String?, offset: Int, limit: Int?) async throws -> [TaskView]
    func completeTask(_ id: Int64, outcome: TaskOutcome, on day: Day, note: String?, by actor: String, scope: String?)
        async throws -> [String: Int]
    func outbox(includeSent: Bool, limit: Int, unit: String?) async throws -> [OutboxMessage]
    func markSent(_ ids: [Int64]) async throws -> [Int64]
    func conflicts(unit: String, includeResolved: Bool) async throws -> [Conflict]
    func decisions(unit: String, status: String?) async throws -> [Decision]
    func resolveConflict(_ id: Int64, outcome: ConflictOutcome, reason: String, by actor: String, scope: String?, on day: Day)
        async throws -> [Decision]
    func request(_ kind: Decision.Kind, person: String, reason: String, by actor: String, scope: String?, on day: Day)
        async throws -> Decision
    func approve(_ id: Int64, reason: String?, by actor: String, scope: String?, on day: Day) async throws -> (
        decision: Decision, changes: [String: Int]
    )
    func reject(_ id: Int64, reason: String, by actor: String, scope: String?, on day: Day) async throws -> Decision
    func extend(person: String, until: Day, reason: String, by actor: String, scope: String?, on day: Day) async throws -> Decision
    func hold(person: String, until: Day, reason: String, by actor: String, scope: String?, on day: Day) async throws -> Decision
    func release(_ id: Int64, reason: String, by actor: String, scope: String?, on day: Day) async throws -> Decision
    func recoveries(unit: String, status: Recovery.Status?) async throws -> [Recovery]
    /// The unit's cases after case `after`, in id order, at most `limit` (an export, page by page).
    func recoveries(unit: String, status: Recovery.Status?, after: Int64, limit: Int?) async throws -> [Recovery]
    func recovery(_ id: Int64) async throws -> Recovery?
    func closeRecovery(_ id: Int64, as status: Recovery.Status, reason: String, by actor: String, on day: Day, scope: String?)
        async throws -> Recovery
    /// Asks a second operator to change a person's benefit amount and/or level from an effective
    /// month (YYYY-MM); `amount` in yuan as written, nil fields unchanged.
    func requestBenefitChange(
        person: String, level: String?, amount: String?, effectiveMonth: String, reason: String, by actor: String, scope: String?,
        on day: Day
    ) async throws -> Decision
    /// Asks a second operator to correct a person's name and/or birth date.
    func requestCorrection(
        person: String, name: String?, birthDate: String?, reason: String, by actor: String, scope: String?, on day: Day
    ) async throws -> Decision
    /// Refund cases of the persons who live in the unit's subtree now, oldest first.
    func refunds(unit: String) async throws -> [Refund]
}

/// The money: payroll runs (stored, never changed once made) and their lines.
public protocol MoneyStore: Sendable {
    func runPayroll(month: Month, on day: Day, by actor: String) async throws -> PayrollRun
    func payrollRuns() async throws -> [PayrollRun]
    func payrollRun(_ month: Month) async throws -> PayrollRun?
    /// The run's lines (of persons within `unit`'s subtree when given) after line `after`, in id order.
    func payrollLines(month: Month, unit: String?, after: Int64, limit: Int?) async throws -> [PayrollLine]
    /// The same, one line at a time (an export never holds the month).
    func payrollLines(
        month: Month, unit: String?, after: Int64, limit: Int?, each: @escaping @Sendable (PayrollLine) -> Void
    ) async throws
    func payments(of person: String) async throws -> [(forMonth: Month, run: Month, fen: Int)]
}

/// What the console and the command line read: persons' ledgers, units, alerts and statistics.
public protocol QueryStore: Sendable {
    /// Answers when the store can be read (the readiness probe).
    func ping() async throws
    func person(_ id: ResidentID) async throws -> PersonView?
    func unitName(_ code: String) async throws -> (name: String, level: String)?
    func unitPath(_ code: String) async throws -> String?
    func childUnits(of code: String) async throws -> [String]
    func units(within code: String) async throws -> [UnitView]
    func alerts(unit: String, kind: Alert.Kind?, offset: Int, limit: Int) async throws -> [Alert]
    func stats(unit: String, month: Month) async throws -> UnitStats
    func monthlyStats(units: [String], months: [Month], now: Date) async throws -> [String: [MonthlyStats]]
    func certificationsByClass(unit: String, from: Day, until: Day) async throws -> [String: Int]
    /// What became of the people at the other end (``Fairness``): the unit subtree's month, live.
    func fairness(unit: String, month: Month, today: Day) async throws -> Fairness
}

/// Callers' keys: issued once, checked on every request, revoked for good; signed requests' nonces.
public protocol CallerKeyStore: Sendable {
    /// Issues a key; an operator key names its `holder` (the person it is issued to); `by` is who
    /// made it, recorded.
    func createKey(
        name: String, role: APIKey.Role, unit: String, requireSignature: Bool, sources: [String], holder: String?, by creator: String
    ) async throws -> (key: APIKey, text: String, signingSecret: String?)
    func keys() async throws -> [APIKey]
    func revokeKey(_ id: String) async throws
    /// The key a presented secret belongs to, if it is valid and not revoked.
    func authenticate(_ presented: String) async throws -> APIKey?
    /// Records a signed request's nonce; false when it was seen within `window` seconds (a replay).
    func useNonce(_ nonce: String, key: String, at unixSeconds: Int, window: Int) async throws -> Bool
}

/// Persons as the API creates and changes them, one at a time, within the caller's scope.
public protocol PersonRegistry: Sendable {
    func person(_ id: ResidentID) async throws -> PersonRecord?
    func createPerson(_ input: PersonInput, today: Day, scope: String, by actor: String) async throws -> PersonRecord
    func updatePerson(_ id: ResidentID, _ changes: PersonChanges, scope: String, by actor: String) async throws -> PersonRecord
}

/// Every store a front door (the HTTP service, the command line) works with, built in one place
/// from the database's location (the composition root) and handed down as protocols.
public struct Stores: Sendable {
    /// The rules the ledger applies (the routes show them, and check kinds against them).
    public var rules: LedgerRules
    public var registry: any RegistryImportStore
    public var evidence: any EvidenceStore
    public var daily: any DailyWorkStore
    public var casework: any CaseworkStore
    public var money: any MoneyStore
    public var queries: any QueryStore
    public var keys: any CallerKeyStore
    public var persons: any PersonRegistry
    public var enrollment: any EnrollmentStore
    public var verification: any VerificationStore
    public var coordinator: any Coordinator
    /// The audit chain (``NoAuditChain`` unless the backend keeps one).
    public var audit: any AuditStore = NoAuditChain()
    /// Cameras' sightings (nil: the backend keeps none; the sighting routes then answer 503).
    public var sightings: (any SightingStore)?
    /// Consent, erasure, subject access and supplementary runs (nil: the backend keeps none; the
    /// routes then answer 503).
    public var privacy: (any PrivacyStore)?
    /// Appeals and the pensioner's status (nil: the backend keeps none; their routes then answer 503).
    public var appeals: (any AppealStore)?

    public init(
        rules: LedgerRules, registry: any RegistryImportStore, evidence: any EvidenceStore, daily: any DailyWorkStore,
        casework: any CaseworkStore, money: any MoneyStore, queries: any QueryStore, keys: any CallerKeyStore,
        persons: any PersonRegistry, enrollment: any EnrollmentStore, verification: any VerificationStore,
        coordinator: any Coordinator
    ) {
        self.rules = rules
        self.registry = registry
        self.evidence = evidence
        self.daily = daily
        self.casework = casework
        self.money = money
        self.queries = queries
        self.keys = keys
        self.persons = persons
        self.enrollment = enrollment
        self.verification = verification
        self.coordinator = coordinator
    }
}
