import Foundation

/// A department's feed, read row by row: CSV with the header `source,external_id,resident_id,kind,
/// observed_at` (`payload` optional), or NDJSON (one JSON object a line, same keys), told apart by
/// the first character. Rows that cannot be parsed are reported with their line.
public struct EvidenceFeed: Sendable {
    private enum Format: Sendable {
        case csv(CSVReader, CSVColumns?)
        case ndjson
    }

    /// The columns a CSV feed must have.
    public static let columns = ["source", "external_id", "resident_id", "kind", "observed_at"]

    private var format: Format
    private let bytes: [UInt8]
    private var position = 0
    private var line = 0
    private var started = false

    /// A feed whose format is told apart by its first character (`{`: NDJSON, else CSV), or
    /// fixed by the caller (`ndjson: true/false`, from the format the sender declared).
    public init(bytes: [UInt8], ndjson: Bool? = nil) {
        self.bytes = bytes
        let first = bytes.first { !($0 == 0xEF || $0 == 0xBB || $0 == 0xBF || $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13) }
        format = (ndjson ?? (first == UInt8(ascii: "{"))) ? .ndjson : .csv(CSVReader(bytes: bytes), nil)
    }

    /// How far through the input the feed is, 0...1.
    public var fractionRead: Double {
        switch format {
        case .csv(let reader, _): reader.fractionRead
        case .ndjson: bytes.isEmpty ? 1 : Double(position) / Double(bytes.count)
        }
    }

    /// The next row, or nil at the end. A missing or incomplete CSV header is reported once.
    public mutating func next(report: inout ImportReport) -> EvidenceInput? {
        switch format {
        case .csv(var reader, var columns):
            defer { format = .csv(reader, columns) }
            if !started {
                started = true
                guard let header = reader.next() else {
                    report.refuse(1, "the file is empty; expected CSV with \(Self.columns.joined(separator: ",")) or NDJSON")
                    return nil
                }
                columns = CSVColumns(header, required: Self.columns, report: &report)
            }
            guard let columns, let record = reader.next() else { return nil }
            let field = columns.reader(record)
            return EvidenceInput(
                line: record.line, source: field("source"), externalID: field("external_id"), residentID: field("resident_id"),
                kind: field("kind"), observedAt: field("observed_at"), payload: field("payload").nilIfEmpty)
        case .ndjson:
            while position < bytes.count {
                let end = bytes[position...].firstIndex(of: 10) ?? bytes.count
                let body = bytes[position..<end]
                position = end + 1
                line += 1
                guard body.contains(where: { $0 != 32 && $0 != 9 && $0 != 13 }) else { continue }
                if let row = Self.row(Data(body), line: line) { return row }
                report.refuse(line, "not a JSON object")
            }
            return nil
        }
    }

    private static func row(_ data: Data, line: Int) -> EvidenceInput? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        func string(_ key: String) -> String {
            switch object[key] {
            case let text as String: text.trimmedASCIISpaces
            case let number as NSNumber: number.stringValue
            default: ""
            }
        }
        var payload: String?
        if let value = object["payload"], !(value is NSNull) {
            payload = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) }
        }
        return EvidenceInput(
            line: line, source: string("source"), externalID: string("external_id"), residentID: string("resident_id"),
            kind: string("kind"), observedAt: string("observed_at"), payload: payload)
    }
}
