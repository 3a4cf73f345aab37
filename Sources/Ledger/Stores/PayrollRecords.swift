import Foundation

/// A stored payroll run: one a month, never repeated, never edited.
public struct PayrollRun: Sendable, Equatable {
    public var month: Month
    /// The day the ledger was read.
    public var runOn: Day
    public var actor: String
    /// When it was stored (ISO 8601).
    public var at: String
    public var lines: Int
    public var persons: Int
    public var totalFen: Int
    public var backPayLines: Int
    /// The audit chain's head once the run's lines were written (nil: a run stored before the
    /// chain, or by a store that keeps none): an anchor that a rewritten chain no longer matches.
    public var chainHead: AuditChain.Head?

    public init(month: Month, runOn: Day, actor: String, at: String, lines: Int, persons: Int, totalFen: Int, backPayLines: Int) {
        self.month = month
        self.runOn = runOn
        self.actor = actor
        self.at = at
        self.lines = lines
        self.persons = persons
        self.totalFen = totalFen
        self.backPayLines = backPayLines
    }

    /// The recorded head as an auditor types it (`SEQ:HASH`, what `fastcert audit head` prints and
    /// `audit verify --head` takes), or `none` for a run stored before the chain.
    public var chainHeadText: String { chainHead.map(\.description) ?? "none" }

    /// The first line of the CLI's CSV export, `# run YYYY-MM chain_head SEQ:HASH`: the file
    /// carries the anchor it can be checked against (the HTTP download sends it as a header).
    public static func chainHeadComment(_ run: PayrollRun) -> String {
        "# run \(run.month) chain_head \(run.chainHeadText)\n"
    }
}

/// One line of a stored run: one person's month, paid once.
public struct PayrollLine: Sendable, Equatable {
    public var id: Int64
    public var runMonth: Month
    public var personID: String
    public var name: String
    public var unitCode: String
    /// The month paid: the run's (regular pay) or an earlier one (back pay).
    public var forMonth: Month
    public var kind: Payroll.Payment.Kind
    public var amountFen: Int
    public var reason: String

    /// The columns of a run's CSV export (the CLI's and the route's).
    public static let csvHeader = ["line", "run_month", "resident_id", "name", "unit_code", "for_month", "kind", "amount", "reason"]
    public var csvCells: [String] {
        [
            String(id), runMonth.description, personID, name, unitCode, forMonth.description, kind.rawValue, Yuan.text(fen: amountFen),
            reason,
        ]
    }

    public init(
        id: Int64, runMonth: Month, personID: String, name: String, unitCode: String, forMonth: Month, kind: Payroll.Payment.Kind,
        amountFen: Int, reason: String
    ) {
        self.id = id
        self.runMonth = runMonth
        self.personID = personID
        self.name = name
        self.unitCode = unitCode
        self.forMonth = forMonth
        self.kind = kind
        self.amountFen = amountFen
        self.reason = reason
    }
}

/// A stored supplementary run (issue 31): the months up to the latest monthly run (`runMonth`)
/// that persons resumed since were not paid, paid before the next monthly run. Never repeated
/// for a month already paid, never edited.
public struct PayrollSupplement: Sendable, Equatable {
    public var id: Int64
    /// The monthly run it supplements: it pays months up to this one.
    public var runMonth: Month
    public var runOn: Day
    public var actor: String
    public var at: String
    public var lines: Int
    public var persons: Int
    public var totalFen: Int
    /// The audit chain's head once the supplement's lines were written.
    public var chainHead: AuditChain.Head?

    public init(
        id: Int64, runMonth: Month, runOn: Day, actor: String, at: String, lines: Int, persons: Int, totalFen: Int,
        chainHead: AuditChain.Head? = nil
    ) {
        self.id = id
        self.runMonth = runMonth
        self.runOn = runOn
        self.actor = actor
        self.at = at
        self.lines = lines
        self.persons = persons
        self.totalFen = totalFen
        self.chainHead = chainHead
    }
}
