import Foundation

/// A CSV header: where each named column is, with missing required columns reported.
public struct CSVColumns: Sendable {
    private var index: [String: Int] = [:]

    public init?(_ header: CSVReader.Record, required: [String], report: inout ImportReport) {
        for (position, name) in header.fields.enumerated() {
            index[name.trimmingCharacters(in: .whitespaces).lowercased()] = position
        }
        let missing = required.filter { index[$0] == nil }
        guard missing.isEmpty else {
            report.refuse(
                header.line,
                "the header lacks the column(s) \(missing.joined(separator: ", ")); expected \(required.joined(separator: ","))")
            return nil
        }
    }

    /// A reader of one record's fields by column name (missing or absent: empty), trimmed.
    public func reader(_ record: CSVReader.Record) -> (String) -> String {
        { name in
            guard let position = index[name], position < record.fields.count else { return "" }
            return record.fields[position].trimmedASCIISpaces
        }
    }
}
