import Ledger

extension MemoryLedger {
    /// An `other_face` sighting captured on `day`: a face of good quality, clearly not the card
    /// holder's, used their card at a camera site. As the store's `raiseOtherFaceAlarm`: when
    /// another one was captured on another day within `sightings.other_face_window_days`, since
    /// the last alarm, a person not recorded deceased goes on their community's attention list, a
    /// field check opens at once and the payment is held until a person-to-person check.
    public func otherFace(_ p: Int, on day: Day) {
        today = day
        let now = Int32(day.daysSinceEpoch)
        let window = Int32(rules.sightings.other_face_window_days)
        // Only sightings since the last alarm count (it empties the list), and only on another day.
        var seen = (otherFaceDays[p] ?? []).filter { $0 > now - window }
        let alarm =
            seen.contains { $0 != now } && persons[p].ledger.status != .deceased
            && openTask(Task(person: p, kind: .attention, keyDay: day), on: day)
        seen = alarm ? [] : seen + [now]
        otherFaceDays[p] = seen.isEmpty ? nil : seen
        guard alarm else { return }
        openTask(Task(person: p, kind: .fieldCheck, keyDay: day), on: day)
        persons[p].events.append(Event(kind: .attention, day: day, recorded: day, deadline: nil, evidenceClass: nil))
        if persons[p].heldSince == nil {
            persons[p].heldSince = day
            persons[p].events.append(Event(kind: .held, day: day, recorded: day, deadline: nil, evidenceClass: nil))
        }
    }
}
