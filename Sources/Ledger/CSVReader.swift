/// Reads RFC 4180 CSV text: comma-separated, fields optionally in double quotes (a quote inside
/// doubled), records ended by LF or CRLF. Records keep their 1-based starting line for error reports.
public struct CSVReader: Sequence, IteratorProtocol, Sendable {
    /// One record and where it starts.
    public struct Record: Sendable {
        public var line: Int
        public var fields: [String]
    }

    private var bytes: [UInt8]
    private var position = 0
    private var line = 1

    public init(_ text: String) {
        self.init(bytes: Array(text.utf8))
    }

    /// Reads raw bytes (UTF-8), without a copy into a `String` first: a city's file can be hundreds of MB.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }  // a byte-order mark from spreadsheets
    }

    /// How far through the input the reader is, 0...1.
    public var fractionRead: Double { bytes.isEmpty ? 1 : Double(position) / Double(bytes.count) }

    public mutating func next() -> Record? {
        while position < bytes.count {
            let start = line
            var fields: [String] = []
            var field: [UInt8] = []
            var quoted = false
            var ended = false
            while position < bytes.count && !ended {
                let byte = bytes[position]
                position += 1
                if quoted {
                    if byte == UInt8(ascii: "\"") {
                        if position < bytes.count && bytes[position] == UInt8(ascii: "\"") {
                            field.append(byte)
                            position += 1
                        } else {
                            quoted = false
                        }
                    } else {
                        if byte == UInt8(ascii: "\n") { line += 1 }
                        field.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""):
                    quoted =
                        field.isEmpty
                        ? true
                        : {
                            field.append(byte); return false
                        }()
                case UInt8(ascii: ","):
                    fields.append(String(decoding: field, as: UTF8.self))
                    field.removeAll(keepingCapacity: true)
                case UInt8(ascii: "\n"):
                    line += 1
                    ended = true
                case UInt8(ascii: "\r"): break
                default: field.append(byte)
                }
            }
            fields.append(String(decoding: field, as: UTF8.self))
            if fields.count == 1 && fields[0].isEmpty { continue }  // blank line
            return Record(line: start, fields: fields)
        }
        return nil
    }
}

extension String {
    /// nil for an empty string (an empty CSV cell or JSON string means "none").
    public var nilIfEmpty: String? { isEmpty ? nil : self }

    /// The string without leading and trailing ASCII spaces and tabs. Cheaper than Foundation's
    /// `trimmingCharacters(in:)`, which runs for every field of an import.
    public var trimmedASCIISpaces: String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last,
            first == 32 || first == 9 || last == 32 || last == 9
        else { return self }
        var start = utf8.startIndex, end = utf8.endIndex
        while start < end, utf8[start] == 32 || utf8[start] == 9 { start = utf8.index(after: start) }
        while end > start, utf8[utf8.index(before: end)] == 32 || utf8[utf8.index(before: end)] == 9 { end = utf8.index(before: end) }
        return String(self[start..<end])
    }
}
