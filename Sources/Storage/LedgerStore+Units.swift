import Foundation
import GRDB
import Ledger

extension LedgerStore {
    static let unitLevels = ["city", "district", "street", "community"]

    /// Imports the unit tree from CSV with the header `code,name,level,parent_code`. A city has no
    /// parent; every other unit's parent is the level above, in the file (earlier) or the ledger.
    /// Units already present with the same parent are skipped. `strict`: all or nothing.
    public func importUnits(csv text: String, strict: Bool = false) async throws -> ImportReport {
        var reader = CSVReader(text)
        var report = ImportReport()
        guard let header = reader.next() else {
            report.refuse(1, "the file is empty; expected the header code,name,level,parent_code")
            report.committed = false
            return report
        }
        let columns = CSVColumns(header, required: ["code", "name", "level", "parent_code"], report: &report)
        guard let columns else { report.committed = false; return report }
        let records = Array(reader)
        let parsed = report
        return try await ChainSeal.write(writer) { db in
            var report = parsed
            var paths: [String: (level: String, path: String)] = [:]
            for unit in try UnitRow.fetchAll(db) { paths[unit.code] = (unit.level, unit.path) }
            var inserts: [UnitRow] = []
            for record in records {
                let field = columns.reader(record)
                let code = field("code"), name = field("name"), level = field("level"), parent = field("parent_code")
                guard !code.isEmpty, code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    report.refuse(record.line, "unit code '\(code)' must be letters, digits, - or _")
                    continue
                }
                guard !name.isEmpty else { report.refuse(record.line, "unit \(code) has no name"); continue }
                guard let depth = Self.unitLevels.firstIndex(of: level) else {
                    report.refuse(record.line, "level '\(level)' is not one of city, district, street, community")
                    continue
                }
                var path = "/\(code)/"
                if depth == 0 {
                    guard parent.isEmpty else { report.refuse(record.line, "a city has no parent_code"); continue }
                } else {
                    guard let above = paths[parent] else {
                        report.refuse(record.line, "parent unit '\(parent)' is unknown (import it first, or earlier in the file)")
                        continue
                    }
                    guard above.level == Self.unitLevels[depth - 1] else {
                        report.refuse(
                            record.line, "a \(level)'s parent must be a \(Self.unitLevels[depth - 1]), '\(parent)' is a \(above.level)")
                        continue
                    }
                    path = above.path + "\(code)/"
                }
                if let existing = paths[code] {
                    if existing.path == path {
                        report.alreadyPresent += 1
                    } else {
                        report.refuse(record.line, "unit \(code) already exists under another parent")
                    }
                    continue
                }
                paths[code] = (level, path)
                inserts.append(UnitRow(code: code, name: name, level: level, parentCode: parent.nilIfEmpty, path: path))
            }
            if strict && !report.problems.isEmpty {
                report.committed = false
                return report
            }
            for unit in inserts { try unit.insert(db) }
            report.imported = inserts.count
            return report
        }
    }
}
