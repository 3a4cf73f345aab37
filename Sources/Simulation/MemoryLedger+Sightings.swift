import Ledger

extension MemoryLedger {
    /// Days within which two `other_face` sightings raise the alarm (the rules' `other_face_window_days`).
    static let otherFaceWindowDays = 30

    /// An `other_face` sighting on `day`: a face of good quality, clearly not the card holder's,
    /// used their card at a camera site. The second within the window puts an active person on
    /// their community's attention list and opens a field check at once, as the store does.
    public func otherFace(_ p: Int, on day: Day) {
        today = day
        let now = Int32(day.daysSinceEpoch)
        let from = now - Int32(Self.otherFaceWindowDays - 1)
        var days = (otherFaceDays[p] ?? []).filter { $0 >= from }
        days.append(now)
        otherFaceDays[p] = days
        guard days.count >= 2, persons[p].ledger.status == .active else { return }
        guard openTask(Task(person: p, kind: .attention, keyDay: day), on: day) else { return }
        openTask(Task(person: p, kind: .fieldCheck, keyDay: persons[p].ledger.deadline), on: day)
        persons[p].events.append(Event(kind: .attention, day: day, recorded: day, deadline: nil, evidenceClass: nil))
    }
}
