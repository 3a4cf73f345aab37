import Foundation

/// One evidence row as delivered by a department's feed.
public struct EvidenceInput: Sendable, Equatable {
    public var line: Int
    public var source: String
    public var externalID: String
    public var residentID: String
    public var kind: String
    public var observedAt: String
    public var payload: String?

    public init(line: Int, source: String, externalID: String, residentID: String, kind: String, observedAt: String, payload: String?) {
        self.line = line
        self.source = source
        self.externalID = externalID
        self.residentID = residentID
        self.kind = kind
        self.observedAt = observedAt
        self.payload = payload
    }
}
