/// Which delivered evidence rows the ledger takes at all, before any rule looks at them: a
/// department delivers only its own kinds, and a row's day must be one the evidence could have
/// been observed on. Each refusal is a reason a sender can act on; the rest of the batch is kept.
public enum EvidenceAdmission {
    /// The earliest day an observation may carry (nobody in the ledger was observed before it).
    public static let earliest = Day(year: 1900, month: 1, day: 1)!
    /// Clocks of senders and of this service may differ: a row observed up to this many days after
    /// the day it was received is still taken.
    public static let clockSkewDays = 1

    /// Why a kind from `source` may not come from a sender limited to `allowed` departments (nil:
    /// any department, an operator's file on the server), or nil when it may.
    public static func refusal(kind: LedgerRules.Kind, source: String, allowed: Set<String>?) -> String? {
        guard let allowed, !allowed.contains(source) else { return nil }
        if allowed.isEmpty { return "this key may deliver no department's evidence (create a feed key with --sources)" }
        return "this key delivers for \(allowed.sorted().joined(separator: ", ")), not for \(source) (\(kind.kind))"
    }

    /// Why an observation on `observed`, received on `received`, cannot be taken, or nil.
    public static func refusal(observed: Day, received: Day) -> String? {
        if observed < earliest { return "observed_at \(observed) is before \(earliest): not a date this ledger takes" }
        if received.days(to: observed) > clockSkewDays {
            return "observed_at \(observed) is later than the day it was received (\(received)): evidence cannot come from the future"
        }
        return nil
    }

    /// Why an observation on `observed` cannot be about a person born on `birth`, or nil.
    public static func refusal(observed: Day, birth: Day) -> String? {
        observed < birth ? "observed_at \(observed) is before the person's birth (\(birth))" : nil
    }
}
