#if canImport(Glibc)
    import Glibc
#endif

/// Who acts on the ledger, as every event, decision and payroll run records it (`actor`,
/// `requested_by`, `decided_by`): the one text an auditor reads, and what four eyes compares.
///
/// Four eyes needs two named people, not two keys and not two spellings of a login: a request and
/// its approval must both come from keys issued to a named holder (``APIKey/holder``), and the
/// holders must differ. The machine's account (the command line without a key) and keys issued to
/// nobody by name (kiosks, feeds, operator keys made before holders existed) act, and are recorded,
/// but are never one of the four eyes.
public enum ActorID: Sendable, Equatable, CustomStringConvertible {
    /// A named person through one of their keys: `wang.fang via fc_0123456789abcdef`.
    case person(holder: String, key: String)
    /// A key issued to nobody by name: its id.
    case key(String)
    /// The operating-system account running the command line without a key:
    /// `system:root(uid 0)`. What anyone holding the database file can do anyway.
    case system(account: String)
    /// Anything else a row records: older rows' `cli:<user>`, `sweep`, `demo:feeds`.
    case other(String)

    /// The words between a holder and their key.
    static let via = " via "
    static let systemPrefix = "system:"

    /// Reads a recorded actor back.
    public init(_ recorded: String) {
        if recorded.hasPrefix(Self.systemPrefix) {
            self = .system(account: String(recorded.dropFirst(Self.systemPrefix.count)))
        } else if let range = recorded.range(of: Self.via, options: .backwards), recorded[range.upperBound...].hasPrefix("fc_") {
            self = .person(holder: String(recorded[..<range.lowerBound]), key: String(recorded[range.upperBound...]))
        } else if recorded.hasPrefix("fc_") {
            self = .key(recorded)
        } else {
            self = .other(recorded)
        }
    }

    /// The actor a key stands for: its holder through it, or the bare key.
    public init(key: APIKey) {
        if let holder = key.holder { self = .person(holder: holder, key: key.id) } else { self = .key(key.id) }
    }

    public var description: String {
        switch self {
        case .person(let holder, let key): holder + Self.via + key
        case .key(let id): id
        case .system(let account): Self.systemPrefix + account
        case .other(let text): text
        }
    }

    /// The named holder (compared without case or surrounding space), or nil.
    public var holder: String? {
        if case .person(let holder, _) = self { return APIKey.canonicalHolder(holder) }
        return nil
    }

    /// The account this process runs as, from the operating system (`getuid`), never from the
    /// environment: `USER`, `LOGNAME` and `SUDO_USER` are whatever the caller sets.
    public static var systemAccount: ActorID {
        let uid = getuid()
        var name = "uid\(uid)"
        if let entry = getpwuid(uid), let login = entry.pointee.pw_name { name = String(cString: login) }
        return .system(account: "\(name)(uid \(uid))")
    }

    /// Refuses (`named_operator_required`) an actor who is not a named person: what four eyes and
    /// a visit's record need.
    public static func requireNamed(_ actor: String, to what: String) throws(LedgerError) {
        switch ActorID(actor) {
        case .person: return
        case .system(let account):
            throw LedgerError(
                .namedOperatorRequired,
                "the system account \(account) cannot \(what): that needs a named person; act with your own operator key (--key-file or FASTCERT_KEY)"
            )
        case .key(let id), .other(let id):
            throw LedgerError(
                .namedOperatorRequired,
                "\(id) is issued to nobody by name and cannot \(what): that needs a named person; use a key made with --holder")
        }
    }
}
