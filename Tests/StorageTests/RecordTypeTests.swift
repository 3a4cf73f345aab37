import Foundation
import GRDB
import Ledger
import Testing

@testable import Storage

/// One record type per table: its properties are exactly the table's columns, and the prepared
/// insert of the city-scale loops writes the same row as GRDB's own insert.
@Suite("Record types")
struct RecordTypeTests {
    static let unit = UnitRow(code: "3702", name: "Qingdao", level: "city", parentCode: nil, path: "/3702/")
    static let person = PersonRow(
        try! PersonInput(
            residentID: LedgerStoreTests.wang, name: "Wang Fang", birthDate: "1940-03-15", unitCode: "370202001001", benefitLevel: "3",
            monthlyAmount: "3200.50", phone: "13800000000", wechatID: nil, livesAlone: true, immobile: false
        ).validated(rules: try! LedgerRules.shipped(), communities: ["370202001001"]), enrolled: Day("2025-06-01")!, entry: 1)

    /// (table, the columns a record encodes, the columns its prepared insert names or nil).
    static func samples(_ db: Database) throws -> [(table: String, encoded: [String], fast: [String]?)] {
        let event = LedgerEventRow(
            LedgerChange(kind: .certified, day: Day("2025-07-01")!, cause: "bureau counter"), person: person.id, evidence: 1,
            actor: "fc_0123456789abcdef",
            at: "2025-07-01T08:00:00Z", rules: 1)
        let task = TaskRow(
            personId: person.id, unitCode: person.unitCode, kind: "field_check", keyDay: "2026-06-01", reason: "deadline near",
            createdOn: "2026-05-02")
        let message = OutboxRow(
            personId: person.id, kind: "reminder", noticeKey: "2026-06-01", channel: "sms", recipient: "13800000000",
            message: "please certify", deadline: "2026-06-01",
            createdOn: "2026-03-02")
        let evidence = EvidenceRow(
            source: "railway", externalId: "R-1", personId: person.id, kind: "rail_ticket_checked", class: "reference",
            observedDay: "2025-07-01", observedAt: "2025-07-01", receivedAt: "2025-07-02T00:00:00Z", payload: nil)
        func columns(_ record: some EncodableRecord) throws -> [String] { Array(try record.databaseDictionary.keys) }
        func named(_ sql: String) -> [String] {
            let list = sql[sql.firstIndex(of: "(")!..<sql.firstIndex(of: ")")!].dropFirst()
            return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        return [
            ("unit", try columns(unit), nil), ("person", try columns(person), named(PersonRow.insertSQL)),
            ("ledger_event", try columns(event), named(LedgerEventRow.insertSQL)), ("task", try columns(task), named(TaskRow.insertSQL)),
            ("outbox", try columns(message), named(OutboxRow.insertSQL)), ("evidence", try columns(evidence), nil),
        ]
    }

    @Test("every ledger table's record type names exactly its columns; each prepared insert names them all but the row id")
    func columnsMatch() throws {
        let database = try AppDatabase(DatabaseQueue(configuration: AppDatabase.makeConfiguration()))
        try database.writer.read { db in
            for sample in try Self.samples(db) {
                let table = try db.columns(in: sample.table).map(\.name)
                #expect(Set(sample.encoded) == Set(table), "\(sample.table)")
                if let fast = sample.fast {
                    #expect(fast == table.filter { $0 != "id" || sample.table == "person" }, "\(sample.table)")
                }
            }
        }
    }

    @Test("the prepared insert and GRDB's insert write the same row; a second prepared insert is skipped")
    func preparedInsertRoundTrips() throws {
        let database = try AppDatabase(DatabaseQueue(configuration: AppDatabase.makeConfiguration()))
        try database.writer.write { db in
            try Self.unit.insert(db)
            try UnitRow(code: "370202001001", name: "Community", level: "community", parentCode: "3702", path: "/3702/370202001001/")
                .insert(db)
            try db.execute(
                sql:
                    "INSERT INTO person_entry (id, actor, at, door) VALUES (1, 'system:clerk(uid 1000)', '2025-06-01T08:00:00Z', 'persons import')"
            )
            try Self.person.insertFast(db)
            #expect(db.changesCount == 1)
            try Self.person.insertFast(db)
            #expect(db.changesCount == 0)
            #expect(try PersonRow.fetchOne(db, key: Self.person.id) == Self.person)
            #expect(try UnitRow.fetchAll(db).map(\.code) == ["3702", "370202001001"])
            var task = TaskRow(
                personId: Self.person.id, unitCode: Self.person.unitCode, kind: "attention", keyDay: "2026-01-01", reason: "stay",
                createdOn: "2026-01-02")
            try task.insertFast(db)
            task.id = db.lastInsertedRowID
            #expect(try TaskRow.fetchOne(db, key: task.id) == task)
            try task.insertFast(db)
            #expect(db.changesCount == 0)
        }
    }
}
