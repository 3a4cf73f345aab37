import GRDB

/// A row of `unit`: one node of the four-level network (city, district, street, community).
struct UnitRow: TableRow, Equatable, PersistableRecord {
    static let databaseTableName = "unit"

    var code: String
    var name: String
    var level: String
    var parentCode: String?
    /// `/city/district/street/community/`: a subtree is a prefix
    var path: String
    /// The kiosk sites of a community, nearest first, `;` between (v28).
    var kioskSites: String? = nil
    /// The unit office's phone number (v28).
    var officePhone: String? = nil
}
