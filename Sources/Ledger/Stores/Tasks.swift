import Foundation

/// A task for community staff: a field check before a deadline, or a health-attention visit.
public struct TaskView: Sendable, Equatable {
    /// The kinds of task: field checks before a deadline, health-attention visits, home visits for
    /// the housebound, phone calls, and possible duplicate identities to look into.
    public static let kinds = ["field_check", "attention", "home_visit", "phone_call", "duplicate_identity"]
    /// The kinds that are a visit to the person's home: they carry a visit code.
    public static let visitKinds: Set<String> = ["home_visit", "field_check"]

    public var id: Int64
    public var personID: String
    public var name: String
    public var unitCode: String
    public var kind: String
    public var keyDay: Day
    public var reason: String
    public var status: String
    public var outcome: String?
    public var createdOn: Day
    /// The person's phone, for phone-call tasks (staff call it).
    public var phone: String?
    /// What staff wrote when closing it.
    public var note: String?
    /// A field check answered unreachable twice with no person-to-person check between stays open,
    /// escalated to this unit (the street office over the person's community).
    public var escalatedTo: String?
    /// The day it is due (`home_help.due_days`); nil for tasks opened before due days.
    public var dueOn: Day?
    /// The day it was last escalated (to the street, then the district).
    public var escalatedOn: Day?
    /// Home visits and field checks: the visit code the person received. Only a staff key of the
    /// person's community is shown it (GET /v1/staff/tasks); other listings leave it out.
    public var visitCode: String?

    public init(
        id: Int64, personID: String, name: String, unitCode: String, kind: String, keyDay: Day, reason: String, status: String,
        outcome: String? = nil, createdOn: Day, phone: String? = nil, note: String? = nil, escalatedTo: String? = nil
    ) {
        self.escalatedTo = escalatedTo
        self.id = id
        self.personID = personID
        self.name = name
        self.unitCode = unitCode
        self.kind = kind
        self.keyDay = keyDay
        self.reason = reason
        self.status = status
        self.outcome = outcome
        self.createdOn = createdOn
        self.phone = phone
        self.note = note
    }
}

/// What staff found.
public enum TaskOutcome: String, Sendable, CaseIterable {
    /// Seen alive: recorded as home-visit evidence, which certifies.
    case seenAlive = "seen-alive"
    /// Found deceased: recorded as a community death report.
    case deceased
    /// Could not be reached: the task closes; the deadline still applies.
    case unreachable
    /// Reached by phone (phone-call tasks only): the task closes; a call is not a sighting, so the
    /// deadline still applies.
    case reached
}

/// A queued notice (docs/notices.md).
public struct OutboxMessage: Sendable, Equatable {
    public var id: Int64
    public var personID: String
    public var channel: String
    public var recipient: String
    public var message: String
    public var createdOn: Day
    public var sentAt: String?
    /// A ``NoticeKind`` raw value.
    public var kind = NoticeKind.reminder.rawValue
    public var language = "zh"
    /// pending, sending, failed (to be tried again), delivered or dead.
    public var state = "pending"
    public var attempts = 0
    public var lastError: String?
    /// The gateway's message id, once delivered through it.
    public var gatewayID: String?

    public init(id: Int64, personID: String, channel: String, recipient: String, message: String, createdOn: Day, sentAt: String? = nil) {
        self.id = id
        self.personID = personID
        self.channel = channel
        self.recipient = recipient
        self.message = message
        self.createdOn = createdOn
        self.sentAt = sentAt
    }
}
