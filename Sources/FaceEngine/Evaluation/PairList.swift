import Foundation

/// A list of labelled image pairs: TSV with a header naming at least `path_a`, `path_b` and `same`
/// (1 for the same person, 0 for different people); other columns are ignored.
public struct PairList: Sendable {
    /// One labelled pair, paths relative to the list's root folder.
    public struct Pair: Sendable, Equatable {
        public var pathA: String
        public var pathB: String
        public var same: Bool

        public init(pathA: String, pathB: String, same: Bool) {
            self.pathA = pathA
            self.pathB = pathB
            self.same = same
        }
    }

    public var pairs: [Pair]

    /// Every distinct path named by the pairs, in first-seen order.
    public var images: [String] {
        var seen = Set<String>()
        return pairs.flatMap { [$0.pathA, $0.pathB] }.filter { seen.insert($0).inserted }
    }

    /// The distinct paths in one column (`\.pathA` or `\.pathB`), in first-seen order.
    public func images(_ column: KeyPath<Pair, String>) -> [String] {
        var seen = Set<String>()
        return pairs.map { $0[keyPath: column] }.filter { seen.insert($0).inserted }
    }

    /// Parses the TSV text; errors name the line and what is wrong with it.
    public init(tsv text: String) throws(PairListError) {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let header = lines.first else {
            throw PairListError(line: 1, reason: "the file is empty; expected a header path_a, path_b, same")
        }
        let columns = header.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let a = columns.firstIndex(of: "path_a"), let b = columns.firstIndex(of: "path_b"),
            let same = columns.firstIndex(of: "same")
        else {
            throw PairListError(line: 1, reason: "the header must name the columns path_a, path_b and same (tab-separated)")
        }
        var pairs: [Pair] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count > max(a, b, same) else {
                throw PairListError(
                    line: index + 1, reason: "expected at least \(max(a, b, same) + 1) tab-separated fields, found \(fields.count)")
            }
            guard fields[same] == "1" || fields[same] == "0" else {
                throw PairListError(line: index + 1, reason: "same must be 1 or 0, found '\(fields[same])'")
            }
            guard !fields[a].isEmpty, !fields[b].isEmpty else { throw PairListError(line: index + 1, reason: "empty path") }
            pairs.append(Pair(pathA: fields[a], pathB: fields[b], same: fields[same] == "1"))
        }
        guard !pairs.isEmpty else { throw PairListError(line: 2, reason: "no pairs after the header") }
        self.pairs = pairs
    }
}

/// A malformed pair list, with the 1-based line at fault.
public struct PairListError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}
