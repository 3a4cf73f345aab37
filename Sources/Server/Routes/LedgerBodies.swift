import Ledger

/// The JSON shapes of the ledger's lists.
struct AlertsBody: Encodable {
    struct Alert: Encodable {
        var kind: String
        var residentId: String
        var name: String
        var unitCode: String
        var day: String
        var detail: String

        init(_ a: Ledger.Alert) {
            kind = a.kind.rawValue
            residentId = a.personID
            name = a.name
            unitCode = a.unitCode
            day = a.day.description
            detail = a.detail
        }
    }
    var unit: String
    var alerts: [Alert]
    /// The offset of the next page, when there is one.
    var nextOffset: Int?
}

struct TasksBody: Encodable {
    struct Task: Encodable {
        var id: Int64
        var residentId: String
        var name: String
        var unitCode: String
        var kind: String
        var keyDay: String
        var reason: String
        var status: String
        var outcome: String?
        var createdOn: String
        /// The person's phone, on phone-call tasks only.
        var phone: String?
        var note: String?
        /// The unit a field check answered unreachable twice, or a task overdue, was escalated to.
        var escalatedTo: String?
        /// The day it is due, and the day it was last escalated (to the street, then the district).
        var dueOn: String?
        var escalatedOn: String?
        /// Home visits and field checks, on a staff key's own list only: the code to state at the door.
        var visitCode: String?

        init(_ t: TaskView, showCode: Bool = false) {
            dueOn = t.dueOn?.description
            escalatedOn = t.escalatedOn?.description
            visitCode = showCode ? t.visitCode : nil
            id = t.id
            residentId = t.personID
            name = t.name
            unitCode = t.unitCode
            kind = t.kind
            keyDay = t.keyDay.description
            reason = t.reason
            status = t.status
            outcome = t.outcome
            createdOn = t.createdOn.description
            phone = t.phone
            note = t.note
            escalatedTo = t.escalatedTo
        }
    }
    var unit: String
    var tasks: [Task]
    /// The offset of the next page, when there is one.
    var nextOffset: Int?
}

/// Who the calling key is: what a page shows after signing in (never the secret).
struct MeBody: Encodable {
    var keyId: String
    var name: String
    var role: String
    var unitCode: String
    var unitName: String
    var unitLevel: String
}

struct UnitsBody: Encodable {
    struct Unit: Encodable {
        var code: String
        var name: String
        var level: String
        var parentCode: String?
        var persons: Int

        init(_ u: UnitView) {
            code = u.code
            name = u.name
            level = u.level
            parentCode = u.parentCode
            persons = u.persons
        }
    }
    var unit: String
    /// The unit first, then every unit under it, parents before children.
    var units: [Unit]
}

struct OutboxBody: Encodable {
    struct Message: Encodable {
        var id: Int64
        var residentId: String
        var channel: String
        var recipient: String
        var message: String
        var createdOn: String
        var sentAt: String?

        init(_ m: OutboxMessage) {
            id = m.id
            residentId = m.personID
            channel = m.channel
            recipient = m.recipient
            message = m.message
            createdOn = m.createdOn.description
            sentAt = m.sentAt
        }
    }
    var messages: [Message]
}

/// The overview's figures in one answer: a unit's months (oldest first) and its child units' last month.
struct StatsSeriesBody: Encodable {
    var unit: String
    var month: String
    var series: [StatsBody]
    var children: [StatsBody]
}

struct StatsBody: Encodable {
    var unit: String
    var month: String
    var persons: Int
    var silentShare: Double
    var remindedShare: Double
    var fieldChecks: Int
    var suspensions: Int
    var certifiedByClass: [String: Int]
    var strongShare: Double
    var recoveries: Recoveries
    /// When the figures were computed (they are stored; the daily sweep recomputes them).
    var computedAt: String
    /// History changed since (a late death, a correction): the next sweep recomputes them.
    var stale: Bool
    /// The month's ``Fairness`` figures (`GET /v1/stats` only, counted live; absent from a series).
    var suspendedFoundAlive: Int?
    var daysToRestoredPayment: Fairness.Distribution?
    var resumedAwaitingPayment: Int?
    var appeals: Fairness.Appeals?
    var notices: [String: Fairness.Notices]?

    /// The figures with the month's fairness figures beside them.
    init(_ figures: MonthlyStats, fairness: Fairness) {
        self.init(figures)
        let body = FairnessBody(fairness)
        suspendedFoundAlive = body.suspendedFoundAlive
        daysToRestoredPayment = body.daysToRestoredPayment
        resumedAwaitingPayment = body.resumedAwaitingPayment
        appeals = body.appeals
        notices = body.notices
    }

    /// Overpayment recovery cases of the unit: counts and amounts by status.
    struct Recoveries: Encodable {
        var open: Int
        var openAmount: String
        var recovered: Int
        var recoveredAmount: String
        var waived: Int
        var waivedAmount: String
    }

    init(_ figures: MonthlyStats) {
        let s = figures.stats
        computedAt = figures.computedAt
        stale = figures.stale
        unit = s.unit
        month = s.month.description
        persons = s.persons
        silentShare = s.silentShare
        remindedShare = s.remindedShare
        fieldChecks = s.fieldChecks
        suspensions = s.suspensions
        certifiedByClass = s.certifiedByClass
        strongShare = s.strongShare
        let r = s.recoveries
        recoveries = Recoveries(
            open: r.open, openAmount: Yuan.text(fen: r.openFen), recovered: r.recovered, recoveredAmount: Yuan.text(fen: r.recoveredFen),
            waived: r.waived, waivedAmount: Yuan.text(fen: r.waivedFen))
    }
}

/// ``Fairness`` as published: the keys dashboards rely on (`suspended_found_alive`,
/// `days_to_restored_payment` with `median` and `p95`, `appeals` with `filed`, `upheld` and
/// `overdue`, `notices` per channel with `delivered` and `failed`).
struct FairnessBody: Encodable {
    var suspensions: Int
    var suspendedFoundAlive: Int
    var daysToRestoredPayment: Fairness.Distribution
    var resumedAwaitingPayment: Int
    var appeals: Fairness.Appeals
    var notices: [String: Fairness.Notices]

    init(_ f: Fairness) {
        suspensions = f.suspensions
        suspendedFoundAlive = f.suspendedFoundAlive
        daysToRestoredPayment = f.daysToRestoredPayment
        resumedAwaitingPayment = f.resumedAwaitingPayment
        appeals = f.appeals
        notices = f.notices
    }
}
