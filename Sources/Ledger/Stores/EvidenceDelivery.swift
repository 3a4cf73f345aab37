import Foundation

/// Who delivers a batch of evidence and what they may deliver: the provenance every stored row
/// keeps (`evidence.delivered_by`, `received_at`) and the limits its rows are checked against.
///
/// Each class of evidence has its door, and only that door takes it (a row from another is
/// refused with its reason, the rest of the batch kept):
/// - biometric: the service's own face verification (``verification(by:receivedOn:)``);
/// - visit (and the community's death report): a task completed by community staff (``task(by:receivedOn:)``);
/// - strong and death: a feed key bound to their department (``feed(_:receivedOn:)``);
/// - reference: a feed key, or a file imported on the server without a key (``file(by:receivedOn:)``).
public struct EvidenceDelivery: Sendable {
    /// The actor (``ActorID``): a key, a named holder through a key, or the system account.
    public var by: String
    /// The departments whose kinds may be delivered; nil: any.
    public var sources: Set<String>?
    /// Only persons whose community's unit path starts with this are accepted (nil: all).
    public var scope: String?
    /// The classes of evidence this door takes.
    public var classes: Set<LedgerRules.EvidenceClass>
    /// The kinds of the death class this door takes when it takes no death class as such (a field
    /// check's death report comes through the task door).
    public var deathKinds: Set<String> = []
    /// Kinds this door never takes though their class is among ``classes`` (what only the task
    /// door records: a community's death report is a staff member's finding on a field check).
    public var excludedKinds: Set<String> = []
    /// The day the rows are received: none may be observed after it (plus a day of clock skew).
    public var receivedOn: Day

    public init(
        by: String, sources: Set<String>?, scope: String?, classes: Set<LedgerRules.EvidenceClass>, deathKinds: Set<String> = [],
        receivedOn: Day
    ) {
        self.by = by
        self.sources = sources
        self.scope = scope
        self.classes = classes
        self.deathKinds = deathKinds
        self.receivedOn = receivedOn
    }

    /// A file an operator imports on the server without a key (`fastcert evidence import`, local
    /// administration): reference kinds of any department, the whole city. Strong and death
    /// records need their department's feed key; face checks and home visits have doors of their own.
    public static func file(by: String, receivedOn: Day) -> EvidenceDelivery {
        EvidenceDelivery(by: by, sources: nil, scope: nil, classes: [.reference], receivedOn: receivedOn)
    }

    /// A department's feed key (over HTTP, or `--key-file` on the command line): its own
    /// departments' strong, reference and death kinds, its unit's subtree; never the task door's
    /// death report.
    public static func feed(_ key: APIKey, receivedOn: Day) -> EvidenceDelivery {
        var delivery = EvidenceDelivery(
            by: key.actor, sources: Set(key.sources), scope: key.unitPath, classes: [.strong, .reference, .death], receivedOn: receivedOn)
        delivery.excludedKinds = task(by: key.actor, receivedOn: receivedOn).deathKinds
        return delivery
    }

    /// The service's own face verification (kiosk or mobile), recorded by the attempt's key.
    public static func verification(by: String, receivedOn: Day) -> EvidenceDelivery {
        EvidenceDelivery(by: by, sources: ["fastcert"], scope: nil, classes: [.biometric], receivedOn: receivedOn)
    }

    /// A camera's sighting the service's engine matched to the card holder: `video_confirmation`
    /// (strong, department `camera_network`) and nothing else, recorded by the camera's key. No
    /// feed key delivers it: only the sighting route, which matched the face, does.
    public static func camera(by: String, receivedOn: Day) -> EvidenceDelivery {
        EvidenceDelivery(by: by, sources: ["camera_network"], scope: nil, classes: [.strong], receivedOn: receivedOn)
    }

    /// A task completed by the community's staff: seen alive on a visit, or a death found on a
    /// field check.
    public static func task(by: String, receivedOn: Day) -> EvidenceDelivery {
        EvidenceDelivery(
            by: by, sources: ["community_office"], scope: nil, classes: [.visit], deathKinds: ["community_death_report"],
            receivedOn: receivedOn)
    }

    /// Why this door does not take `kind`, or nil when it does.
    public func refusal(_ kind: LedgerRules.Kind) -> String? {
        if excludedKinds.contains(kind.kind) {
            return "\(kind.kind) is recorded when community staff complete a field check (fastcert tasks complete), not delivered by a feed"
        }
        if classes.contains(kind.class) || deathKinds.contains(kind.kind) { return nil }
        switch kind.class {
        case .biometric: return "\(kind.kind) is recorded by the verification service itself, never delivered in a file or by a feed"
        case .visit: return "\(kind.kind) is recorded when community staff complete a task (fastcert tasks complete), not delivered"
        case .strong, .death:
            return "\(kind.kind) (\(kind.class.rawValue)) comes only from a feed key bound to \(kind.source) (--key-file or FASTCERT_KEY)"
        case .reference: return "\(kind.kind) is delivered by a feed key or an evidence file, not here"
        }
    }
}
