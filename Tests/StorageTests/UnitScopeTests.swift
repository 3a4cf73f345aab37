import Foundation
import Ledger
import Storage
import Testing

/// A unit's subtree is an exact prefix of its path: `_` is a character like any other and case
/// matters (SQL `LIKE` would match `A_1` against `AX1` and `a_1`).
@Suite("Unit scope")
struct UnitScopeTests {
    static let units = """
        code,name,level,parent_code
        3702,Qingdao,city,
        A_1,District A underscore 1,district,3702
        AX1,District AX1,district,3702
        a_1,District a underscore 1,district,3702
        A_1S,Street,street,A_1
        AX1S,Street,street,AX1
        a_1S,Street,street,a_1
        A_1C,Community,community,A_1S
        AX1C,Community,community,AX1S
        a_1C,Community,community,a_1S
        """

    static let ids = ["37020219400315011", "37020219400315022", "37020219400315033"].map { ResidentID.completing($0)!.value }

    static var persons: String {
        (["resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile"]
            + zip(ids, ["A_1C", "AX1C", "a_1C"]).map { "\($0),Person \($1),1940-03-15,\($1),3,3000,13800000000,,1,0" })
            .joined(separator: "\n")
    }

    @Test("stats, alerts and tasks of A_1 hold only A_1's person, not AX1's or a_1's")
    func exactPrefix() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-scope-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = LedgerStore(
            database: try AppDatabase(path: folder.appending(path: "ledger.sqlite").path), rules: try LedgerRules.shipped())
        #expect(try await store.importUnits(csv: Self.units).imported == 10)
        #expect(try await store.importPersons(csv: Self.persons, today: Day("2025-06-01")!).imported == 3)
        _ = try await store.sweep(on: Day("2026-05-10")!)  // warned, then field-checked: an alert and a task each
        for unit in ["A_1", "AX1", "a_1"] {
            #expect(try await store.stats(unit: unit, month: Month("2026-05")!).persons == 1, "\(unit)")
            #expect(Set(try await store.alerts(unit: unit).map(\.personID)).count == 1, "\(unit)")
            #expect(Set(try await store.tasks(unit: unit).map(\.personID)).count == 1, "\(unit)")
        }
        #expect(try await store.stats(unit: "3702", month: Month("2026-05")!).persons == 3)
        #expect(Set(try await store.alerts(unit: "A_1").map(\.personID)) == [Self.ids[0]])
    }
}
