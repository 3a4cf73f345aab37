import Foundation
import GRDB
import Ledger

extension LedgerStore {
    static let personColumns = [
        "resident_id", "name", "birth_date", "unit_code", "benefit_level", "monthly_amount", "phone", "wechat_id",
        "lives_alone", "immobile",
    ]

    /// Imports persons from CSV with the header `resident_id,name,birth_date,unit_code,benefit_level,
    /// monthly_amount,phone,wechat_id,lives_alone,immobile` (`enrolled_on` optional; `language`
    /// optional: zh, the default, or en, the language of the person's notices). Each enters the
    /// ledger active on `enrolled_on` (default `today`) with the service period of their benefit level.
    /// Bad rows are reported by line; the good ones are committed, in one transaction; `strict`
    /// commits nothing when any row is bad. A person already in the ledger is skipped. Each person
    /// records `actor` and the moment as who entered them; with a key's `scope`, a community
    /// outside it is refused by row, as `POST /v1/persons` refuses it.
    public func importPersons(
        csv text: String, strict: Bool = false, today: Day, by actor: String = ActorID.systemAccount.description,
        scope: String? = nil
    ) async throws -> ImportReport {
        try await importPersons(CSVReader(text), strict: strict, today: today, by: actor, scope: scope)
    }

    /// The same, reading rows as it goes: a city's file is never held as parsed rows.
    public func importPersons(
        _ input: CSVReader, strict: Bool = false, today: Day, by actor: String = ActorID.systemAccount.description,
        scope: String? = nil
    ) async throws -> ImportReport {
        var reader = input
        var report = ImportReport()
        guard let header = reader.next(), let columns = CSVColumns(header, required: Self.personColumns, report: &report) else {
            if report.problems.isEmpty {
                report.refuse(1, "the file is empty; expected the header \(Self.personColumns.joined(separator: ","))")
            }
            report.committed = false
            return report
        }
        let rules = rules
        let parsed = report
        let remaining = reader
        do {
            return try await ChainSeal.write(writer) { db in
                var report = parsed
                var records = remaining
                let communities = Set(try String.fetchAll(db, sql: "SELECT code FROM unit WHERE level = 'community'"))
                let managed = try scope.map { scope in
                    Set(
                        try String.fetchAll(
                            db, sql: "SELECT code FROM unit WHERE level = 'community' AND substr(path, 1, length(?)) = ?",
                            arguments: [scope, scope]))
                }
                let latestRun = try String.fetchOne(db, sql: "SELECT max(month) FROM payroll_run").flatMap(Month.init)
                var seen = Set<String>()
                // The import is one act: recorded once, with its first person (an import that enters
                // nobody records none), and rolled back with them.
                var entry: Int64?
                while let record = records.next() {
                    let field = columns.reader(record)
                    let id: ResidentID
                    do throws(LedgerError) {
                        id = try ResidentID(field("resident_id"))
                    } catch {
                        report.refuse(record.line, error.message)
                        continue
                    }
                    guard seen.insert(id.value).inserted else {
                        report.refuse(record.line, "resident ID \(id) appears twice in the file")
                        continue
                    }
                    guard let livesAlone = Self.flag(field("lives_alone")), let immobile = Self.flag(field("immobile")) else {
                        report.refuse(record.line, "\(id): lives_alone and immobile must be 0/1, yes/no or true/false")
                        continue
                    }
                    let enrolledText = field("enrolled_on")
                    guard let enrolled = enrolledText.isEmpty ? today : Day(enrolledText) else {
                        report.refuse(record.line, "\(id): enrolled_on '\(enrolledText)' is not a YYYY-MM-DD date")
                        continue
                    }
                    let input = PersonInput(
                        residentID: id.value, name: field("name"), birthDate: field("birth_date"), unitCode: field("unit_code"),
                        benefitLevel: field("benefit_level"), monthlyAmount: field("monthly_amount"), phone: field("phone").nilIfEmpty,
                        wechatID: field("wechat_id").nilIfEmpty, livesAlone: livesAlone, immobile: immobile,
                        language: field("language").nilIfEmpty)
                    let person: ValidPerson
                    do throws(LedgerError) {
                        person = try input.validated(rules: rules, communities: communities)
                    } catch {
                        report.refuse(record.line, error.message)
                        continue
                    }
                    if let managed, !managed.contains(person.unitCode) {
                        report.refuse(record.line, "\(id): community \(person.unitCode) is outside the units this key may manage")
                        continue
                    }
                    if let refusal = person.refusal(enrolled: enrolled, today: today, latestRun: latestRun) {
                        report.refuse(record.line, refusal)
                        continue
                    }
                    if entry == nil { entry = try Self.recordEntry(by: actor, door: "persons import", db) }
                    if try Self.insert(person, enrolled: enrolled, entry: entry!, db) {
                        report.imported += 1
                    } else {
                        report.alreadyPresent += 1
                    }
                }
                // Strict: a bad row anywhere undoes the whole file (the transaction rolls back).
                if strict && !report.problems.isEmpty { throw StrictRefusal(report: report) }
                return report
            }
        } catch let refusal as StrictRefusal {
            var report = refusal.report
            report.committed = false
            report.imported = 0
            report.alreadyPresent = 0
            return report
        }
    }

    /// Inserts a checked person, active from `enrolled` with their level's service period and the
    /// amount they enter with (every later amount is a decision: ``requestBenefitChange(person:level:amount:effectiveMonth:reason:by:scope:on:)``);
    /// false when the resident ID is already in the ledger (nothing of them changes: a re-import
    /// never changes an amount). `entry` is the act that entered them (``recordEntry(by:door:_:)``).
    @discardableResult
    static func insert(_ person: ValidPerson, enrolled: Day, entry: Int64, _ db: Database) throws -> Bool {
        try PersonRow(person, enrolled: enrolled, entry: entry).insertFast(db)
        return db.changesCount == 1
    }

    /// Records an act that enters persons (an import, one `POST /v1/persons`): by `actor`, now,
    /// through `door`. Returns its id, which each person it enters points to.
    static func recordEntry(by actor: String, door: String, _ db: Database) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO person_entry (actor, at, door) VALUES (?, ?, ?)", arguments: [actor, timestamp(), door])
        return db.lastInsertedRowID
    }

    static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "", "0", "no", "false", "n": false
        case "1", "yes", "true", "y": true
        default: nil
        }
    }
}

/// Thrown inside a strict import's transaction to roll it back, carrying the report.
struct StrictRefusal: Error {
    var report: ImportReport
}
