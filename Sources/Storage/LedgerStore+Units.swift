import Foundation
import GRDB
import Ledger

extension LedgerStore {
    static let unitLevels = ["city", "district", "street", "community"]

    /// Imports the unit tree from CSV with the header `code,name,level,parent_code` (and, optional,
    /// `kiosk_sites`: the unit's kiosk sites, nearest first, `;` between, and `office_phone`: its
    /// office's number, which the notices state). A city has no parent; every other unit's parent
    /// is the level above, in the file (earlier) or the ledger. Units already present with the same
    /// parent are skipped, except that kiosk sites or an office phone given for them are set.
    /// `strict`: all or nothing.
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
            var contacts: [(code: String, sites: String?, phone: String?)] = []
            for record in records {
                let field = columns.reader(record)
                let code = field("code"), name = field("name"), level = field("level"), parent = field("parent_code")
                guard !code.isEmpty, code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    report.refuse(record.line, "unit code '\(code)' must be letters, digits, - or _")
                    continue
                }
                guard !name.isEmpty else { report.refuse(record.line, "unit \(code) has no name"); continue }
                let sites: String?, phone: String?
                switch Self.unitContact(sites: field("kiosk_sites"), phone: field("office_phone")) {
                case .success(let contact): (sites, phone) = contact
                case .failure(let problem):
                    report.refuse(record.line, "unit \(code): \(problem.message)")
                    continue
                }
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
                        if sites != nil || phone != nil { contacts.append((code, sites, phone)) }
                    } else {
                        report.refuse(record.line, "unit \(code) already exists under another parent")
                    }
                    continue
                }
                paths[code] = (level, path)
                inserts.append(
                    UnitRow(
                        code: code, name: name, level: level, parentCode: parent.nilIfEmpty, path: path, kioskSites: sites,
                        officePhone: phone))
            }
            if strict && !report.problems.isEmpty {
                report.committed = false
                return report
            }
            for unit in inserts { try unit.insert(db) }
            for contact in contacts {
                try db.execute(
                    sql: "UPDATE unit SET kiosk_sites = coalesce(?, kiosk_sites), office_phone = coalesce(?, office_phone) WHERE code = ?",
                    arguments: [contact.sites, contact.phone, contact.code])
            }
            report.imported = inserts.count
            return report
        }
    }

    /// The most kiosk sites a unit may list, and the longest site name.
    static let maxKioskSites = 10
    static let maxSiteName = 40

    /// A unit's optional kiosk sites (`;` between, each trimmed) and office phone (digits, `-`,
    /// `+` and spaces, at most ``LedgerRules/Notices/maxOfficePhone`` characters: the notices'
    /// SMS texts are checked to fit one SMS with a number that long), as stored; empty: nil.
    static func unitContact(sites text: String, phone: String) -> Result<(String?, String?), LedgerError> {
        let sites = text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard sites.count <= maxKioskSites else {
            return .failure(LedgerError(.invalidContact, "at most \(maxKioskSites) kiosk sites, not \(sites.count)"))
        }
        for site in sites
        where site.count > maxSiteName || site.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return .failure(
                LedgerError(.invalidContact, "kiosk site '\(site.prefix(maxSiteName))' must be 1 to \(maxSiteName) printable characters"))
        }
        guard phone.count <= LedgerRules.Notices.maxOfficePhone, phone.allSatisfy({ $0.isASCII && ($0.isNumber || "-+ ".contains($0)) })
        else {
            return .failure(
                LedgerError(
                    .invalidContact,
                    "office_phone '\(phone.prefix(20))' must be digits, -, + and spaces, at most \(LedgerRules.Notices.maxOfficePhone) characters"
                ))
        }
        return .success((sites.isEmpty ? nil : sites.joined(separator: ";"), phone.nilIfEmpty))
    }
}
