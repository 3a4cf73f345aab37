import Foundation

/// Who delivers a batch of evidence and what they may deliver: the provenance every stored row
/// keeps (`evidence.delivered_by`, `received_at`) and the limits its rows are checked against.
public struct EvidenceDelivery: Sendable {
    /// The key id, or `cli:<user>` for a file imported on the server.
    public var by: String
    /// The departments whose kinds may be delivered; nil: any (an operator's file on the server).
    public var sources: Set<String>?
    /// Only persons whose community's unit path starts with this are accepted (nil: all).
    public var scope: String?
    /// Face verifications are recorded by the service itself, never delivered by a feed.
    public var allowBiometric: Bool
    /// The day the rows are received: none may be observed after it (plus a day of clock skew).
    public var receivedOn: Day

    public init(by: String, sources: Set<String>?, scope: String?, allowBiometric: Bool, receivedOn: Day) {
        self.by = by
        self.sources = sources
        self.scope = scope
        self.allowBiometric = allowBiometric
        self.receivedOn = receivedOn
    }

    /// A file an operator imports on the server (`fastcert evidence import`): any department,
    /// the whole city; received `receivedOn` (today by default).
    public static func file(by: String, receivedOn: Day = Day(Date())) -> EvidenceDelivery {
        EvidenceDelivery(by: by, sources: nil, scope: nil, allowBiometric: true, receivedOn: receivedOn)
    }

    /// A department's feed key over HTTP: its own departments, its unit's subtree, no biometrics.
    public static func feed(_ key: APIKey, receivedOn: Day) -> EvidenceDelivery {
        EvidenceDelivery(by: key.id, sources: Set(key.sources), scope: key.unitPath, allowBiometric: false, receivedOn: receivedOn)
    }

    /// The user running this process, for `cli:<user>`.
    public static var commandLineUser: String {
        "cli:" + (ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown")
    }
}
