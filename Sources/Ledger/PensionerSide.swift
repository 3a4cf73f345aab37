import Foundation

extension LedgerRules {
    /// The pensioner's side of the ledger (issue 31): what a person is told of their own state
    /// (`GET /v1/persons/{id}/status`), and the clock of an appeal against a suspension or a death
    /// record.
    public struct PensionerSide: Sendable, Codable, Equatable {
        public var about: String?
        /// An appeal is due this many working days after it is filed.
        public var appeal_days: Int
        /// Days off on a weekday (public holidays, YYYY-MM-DD): not working days.
        public var holidays: [String]
        /// Weekend days worked in exchange for a holiday (调休): working days.
        public var make_up_workdays: [String]
        /// The longest grounds an appellant may give, in characters.
        public var max_grounds_chars: Int
        /// A kiosk or the mobile backend may read a person's status, or file their appeal, only this
        /// many minutes after its own verified face check of that person (from the same device).
        public var status_after_verification_minutes: Int
        /// Evidence kinds' labels in Chinese (a kind without one shows its English label).
        public var evidence_labels_zh: [String: String]
        /// Departments (a kind's `source`) in Chinese.
        public var departments_zh: [String: String]
        /// What to do, by language (`zh`, `en`) and case (`near`, `suspended`, `deceased`, `appeal`),
        /// with `{deadline}`, `{day}`, `{due}` filled in.
        public var advice: [String: [String: String]]

        public static let standard = PensionerSide(
            about: nil, appeal_days: 5, holidays: [], make_up_workdays: [], max_grounds_chars: 1000,
            status_after_verification_minutes: 30, evidence_labels_zh: [:], departments_zh: [:],
            advice: [
                "zh": [
                    "near": "请在{deadline}前完成认证：在“智慧人社”App刷脸，或到就近的自助认证终端，或致电社区办公室预约上门。逾期将暂停发放养老金。",
                    "suspended": "您的养老金自{day}起暂停发放。在App或自助终端刷脸认证一次，或到社区办公室当面确认，即恢复发放并补发停发期间各月。如有异议，可以申诉。",
                    "deceased": "记录显示您已去世，养老金已停发。如记录有误，本人、亲属或社区工作人员可以申诉，经两名工作人员核实后撤销记录。",
                    "appeal": "您的申诉已受理，将在{due}前答复。",
                ],
                "en": [
                    "near":
                        "Please confirm before {deadline}: a face scan in the Smart HR app, at the nearest self-service kiosk, or call your community office for a home visit. If not, the pension is suspended.",
                    "suspended":
                        "Your pension is suspended since {day}. One face scan in the app or at a kiosk, or a visit to the community office, resumes it at once with every missed month. If you disagree, you may appeal.",
                    "deceased":
                        "The record shows you as deceased and the pension stopped. If this is wrong, you, a relative or a community worker may appeal; two staff check it before the record is reversed.",
                    "appeal": "Your appeal was received and will be answered by {due}.",
                ],
            ])

        /// The first field that is wrong, and why (``LedgerRules/validate()`` names it).
        func problem(kinds: [Kind]) -> (field: String, message: String)? {
            guard (1...30).contains(appeal_days) else { return ("appeal_days", "must be 1 to 30 working days, not \(appeal_days)") }
            for day in holidays + make_up_workdays where Day(day) == nil {
                return (holidays.contains(day) ? "holidays" : "make_up_workdays", "\(day) is not a day (YYYY-MM-DD)")
            }
            guard (1...10_000).contains(max_grounds_chars) else {
                return ("max_grounds_chars", "must be 1 to 10000, not \(max_grounds_chars)")
            }
            guard (1...1440).contains(status_after_verification_minutes) else {
                return ("status_after_verification_minutes", "must be 1 to 1440, not \(status_after_verification_minutes)")
            }
            let names = Set(kinds.map(\.kind)), sources = Set(kinds.map(\.source))
            if let unknown = evidence_labels_zh.keys.sorted().first(where: { !names.contains($0) }) {
                return ("evidence_labels_zh.\(unknown)", "no such evidence kind")
            }
            if let unknown = departments_zh.keys.sorted().first(where: { !sources.contains($0) }) {
                return ("departments_zh.\(unknown)", "no kind is reported by such a department")
            }
            for language in ["zh", "en"] {
                for text in ["near", "suspended", "deceased", "appeal"] where advice[language]?[text]?.isEmpty ?? true {
                    return ("advice.\(language).\(text)", "is missing")
                }
            }
            return nil
        }

        /// The day an appeal filed on `filed` is due: `appeal_days` working days later. A working
        /// day is Monday to Friday unless it is in `holidays`, or a weekend day in `make_up_workdays`.
        public func dueDay(filed: Day) -> Day {
            let off = Set(holidays.compactMap(Day.init)), worked = Set(make_up_workdays.compactMap(Day.init))
            var day = filed
            var left = appeal_days
            while left > 0 {
                day = day.adding(days: 1)
                let weekend = [0, 6].contains(day.weekday)
                if worked.contains(day) || (!weekend && !off.contains(day)) { left -= 1 }
            }
            return day
        }

        /// An evidence kind's label in the language (`zh` or `en`).
        public func label(_ kind: Kind, language: String) -> String {
            language == "zh" ? evidence_labels_zh[kind.kind] ?? kind.label : kind.label
        }

        /// A department's name in the language (the code itself where no Chinese name is given, or in English).
        public func department(_ source: String, language: String) -> String {
            language == "zh" ? departments_zh[source] ?? source : source.replacingOccurrences(of: "_", with: " ")
        }

        /// The advice `case` in `language`, filled.
        public func adviceText(_ key: String, language: String, values: [String: String]) -> String {
            var text = advice[language]?[key] ?? advice["zh"]?[key] ?? ""
            for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
            return text
        }
    }
}

extension Day {
    /// 0 Sunday ... 6 Saturday (1970-01-01 was a Thursday).
    public var weekday: Int { ((daysSinceEpoch + 4) % 7 + 7) % 7 }
}

/// An appeal against a suspension or a death record (the `appeal` table), with its clock.
public struct Appeal: Sendable, Equatable {
    public enum Subject: String, Sendable, CaseIterable { case suspension, death }
    /// Who filed it: the pensioner (the mobile backend, for the person it just verified), a
    /// relative (the mobile backend, naming them), a community worker or an operator (their key).
    public enum Filer: String, Sendable, CaseIterable {
        case pensioner, relative
        case communityWorker = "community_worker"
        case `operator`
    }
    /// Open; upheld or rejected by a decision; moot when the person was resumed (or their death
    /// reversed) by another way meanwhile (a face scan, a visit, a decision not made on the appeal).
    public enum Status: String, Sendable, CaseIterable { case open, upheld, rejected, moot }
    public enum Outcome: String, Sendable, CaseIterable { case upheld, rejected }

    public var id: Int64
    public var personID: String
    public var name: String
    /// The person's community when it was filed (whose worklist it is on).
    public var unitCode: String
    public var subject: Subject
    public var filedByRole: Filer
    public var filedBy: String
    public var relativeName: String?
    public var relation: String?
    public var grounds: String
    public var filedOn: Day
    public var dueOn: Day
    public var status: Status
    public var escalatedTo: String?
    public var resolvedOn: Day?
    public var resolvedBy: String?
    public var reason: String?
    /// The four-eyes request an upholding made (reinstate, reverse_death), pending until a second
    /// operator approves it; the appeal is upheld on that approval.
    public var decisionID: Int64?
    public var rulesVersion: Int?

    public init(
        id: Int64, personID: String, name: String, unitCode: String, subject: Subject, filedByRole: Filer, filedBy: String,
        relativeName: String?, relation: String?, grounds: String, filedOn: Day, dueOn: Day, status: Status, escalatedTo: String?,
        resolvedOn: Day?, resolvedBy: String?, reason: String?, decisionID: Int64?, rulesVersion: Int?
    ) {
        self.id = id
        self.personID = personID
        self.name = name
        self.unitCode = unitCode
        self.subject = subject
        self.filedByRole = filedByRole
        self.filedBy = filedBy
        self.relativeName = relativeName
        self.relation = relation
        self.grounds = grounds
        self.filedOn = filedOn
        self.dueOn = dueOn
        self.status = status
        self.escalatedTo = escalatedTo
        self.resolvedOn = resolvedOn
        self.resolvedBy = resolvedBy
        self.reason = reason
        self.decisionID = decisionID
        self.rulesVersion = rulesVersion
    }

    /// Open past its due day on `day`.
    public func overdue(on day: Day) -> Bool { status == .open && day > dueOn }
}

/// A filing: whose appeal, by whom, on what grounds.
public struct AppealFiling: Sendable {
    public var person: String
    public var filer: Appeal.Filer
    /// The actor: the key (and its holder) that filed it.
    public var actor: String
    public var relativeName: String?
    public var relation: String?
    public var grounds: String

    public init(person: String, filer: Appeal.Filer, actor: String, relativeName: String? = nil, relation: String? = nil, grounds: String) {
        self.person = person
        self.filer = filer
        self.actor = actor
        self.relativeName = relativeName
        self.relation = relation
        self.grounds = grounds
    }
}

/// The rules of an appeal, pure: what may be appealed, the grounds, who may decide.
public enum AppealRules {
    /// What a person in `status` may appeal (`not_appealable`: an active person has nothing to appeal).
    public static func subject(person: String, status: PersonLedger.Status) throws(LedgerError) -> Appeal.Subject {
        switch status {
        case .suspended: return .suspension
        case .deceased: return .death
        case .active:
            throw LedgerError(
                .notAppealable, "\(ResidentID.mask(person)) is active: only a suspension or a death record can be appealed")
        }
    }

    /// The grounds, trimmed (`invalid_grounds`: empty, or longer than `max` characters).
    public static func grounds(_ text: String, max: Int) throws(LedgerError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw LedgerError(.invalidGrounds, "give the grounds: why the suspension or death record is wrong") }
        guard trimmed.count <= max else {
            throw LedgerError(.invalidGrounds, "the grounds have \(trimmed.count) characters; at most \(max)")
        }
        return trimmed
    }

    /// A relative's name and relation, both required, 1 to 50 characters on one line (`invalid_relative`).
    public static func relative(name: String?, relation: String?) throws(LedgerError) -> (name: String, relation: String) {
        func clean(_ text: String?, _ what: String) throws(LedgerError) -> String {
            let trimmed = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...50).contains(trimmed.count), !trimmed.contains(where: \.isNewline) else {
                throw LedgerError(.invalidRelative, "a relative's appeal names the relative's \(what) (1 to 50 characters, one line)")
            }
            return trimmed
        }
        return (try clean(name, "name"), try clean(relation, "relation (daughter, son, spouse...)"))
    }

    /// The one who decides an appeal is a named person other than the one who filed it, whichever
    /// of their keys either used (`same_operator`).
    public static func checkDecider(_ actor: String, filedBy: String, appeal id: Int64) throws(LedgerError) {
        try ActorID.requireNamed(actor, to: "decide an appeal")
        let decider = ActorID(actor)
        let filer = ActorID(filedBy)
        if filedBy == actor || (filer.holder != nil && filer.holder == decider.holder) {
            throw LedgerError(.sameOperator, "appeal \(id) was filed by \(filedBy): another person decides it")
        }
    }

    /// An appeal that can still be decided (`appeal_closed`), and not waiting on a second operator
    /// (`appeal_pending`).
    public static func checkOpen(_ appeal: Appeal) throws(LedgerError) {
        guard appeal.status == .open else {
            throw LedgerError(
                .appealClosed,
                "appeal \(appeal.id) is already \(appeal.status.rawValue)" + (appeal.resolvedOn.map { " (on \($0))" } ?? ""))
        }
        if let decision = appeal.decisionID {
            throw LedgerError(
                .appealPending, "appeal \(appeal.id) was upheld and waits for a second operator to approve or refuse decision \(decision)")
        }
    }
}
