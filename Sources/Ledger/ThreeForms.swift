/// The article's "three forms", defined once: `stats` (in SQL over the ledger) and the simulator
/// (over its in-memory ledger) count with these lists.
public enum ThreeForms {
    /// The months a silent share looks back over, ending with the month reported.
    public static let windowMonths = 12
    /// Ledger events that mean the person was not left alone: a reminder (its warning), a field
    /// check, a suspension.
    public static let contactEvents: [LedgerChange.Kind] = [.warning, .fieldCheck, .suspended]
    /// Tasks that send staff to the person, or to their family's phone.
    public static let contactTasks = ["field_check", "home_visit", "phone_call"]

    /// Silent over a window: certified in it, with none of ``contactEvents`` and no task of
    /// ``contactTasks`` opened in it.
    public static func silent(certified: Bool, contacted: Bool) -> Bool { certified && !contacted }
}
