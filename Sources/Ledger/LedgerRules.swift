import Foundation

/// The evidence catalogue and the deferral rules, as JSON. The shipped ones
/// (`Resources/ledger-rules.json`) are a new database's version 1; after that the rules in force
/// are the database's, changed only by a proposal a second operator approves (`fastcert rules`).
public struct LedgerRules: Sendable, Codable, Equatable {
    /// How much an evidence kind says about a person being alive.
    public enum EvidenceClass: String, Sendable, Codable, CaseIterable {
        /// Certifies at once: an office with a public role saw the person.
        case strong
        /// One of the behaviours; certifies only through the behaviour model.
        case reference
        /// Face and liveness verified by this service: certifies at once.
        case biometric
        /// Seen alive on a home visit: certifies at once.
        case visit
        /// A death record.
        case death
    }

    /// What a reference kind shows about the person.
    public enum Proof: String, Sendable, Codable, CaseIterable {
        /// The person was seen or identified in person (a gate ID check, a counter, a clinician, a camera).
        case presence
        /// Someone used the person's card, account, phone or home: anyone holding them can.
        case possession
    }

    /// One kind of evidence.
    public struct Kind: Sendable, Codable, Equatable {
        public var kind: String
        public var `class`: EvidenceClass
        /// The department that reports it; the behaviour model counts departments, not kinds.
        public var source: String
        /// Reference kinds only: how strongly one event shows the person alive and present (0...1).
        public var weight: Double?
        /// Reference kinds only: presence or possession; possession never certifies on its own.
        public var proves: Proof?
        /// Why the kind proves what it proves (documentation for whoever edits the catalogue).
        public var why: String?
        /// Presence kinds only: true when a third party checks the face against the ID (a rail
        /// gate, a border, a hotel desk, a bank counter, a SIM real-name check): identity-checked
        /// presence, which anchors the behaviour model (``identityChecked``). A clinic visit on an
        /// insurance card is presence but not this: the card can be borrowed.
        public var identity_checked: Bool?
        public var label: String

        /// Identity-checked presence: strong, biometric and visit evidence (a public office, this
        /// service's face check, community staff saw the person), and the presence kinds marked
        /// `identity_checked`. Behaviour carries a person only while such presence appears within
        /// `anchor_months`; it is also what corroborates one department (`single_source_months`).
        public var identityChecked: Bool {
            switch `class` {
            case .strong, .biometric, .visit: true
            case .reference: proves == .presence && identity_checked == true
            case .death: false
            }
        }

    }

    /// A person-to-person check at one of the service's own doors: a visit, this service's face
    /// verification, or strong evidence from a `corroboration.service_sources` department (a bureau
    /// or community-office counter), never an unattended kind (``LedgerRules/unattendedKinds``).
    /// Only such a check ends a hold placed by a rule (a hidden-death sign, two other faces): a
    /// department's registry row (a hospital's) is the very source a sign may be about.
    public func confirmsInPerson(_ kind: Kind) -> Bool {
        switch kind.class {
        case .biometric, .visit: true
        case .strong: corroboration.service_sources.contains(kind.source) && !LedgerRules.unattendedKinds.contains(kind.kind)
        case .reference, .death: false
        }
    }

    /// Strong kinds no person attends: a camera's 1:1 match at a pharmacy or a community centre
    /// (`video_confirmation`) certifies and anchors, but does not end a rule's hold, which waits
    /// for someone who checked the person face to face.
    public static let unattendedKinds: Set<String> = ["video_confirmation"]

    /// Corroboration: how long one department may carry a person alone, and how many rows a day
    /// one source may deliver about one person before the rest wait for review.
    public struct Corroboration: Sendable, Codable, Equatable {
        public var about: String?
        /// A certification resting on one department (its strong evidence, or behaviour whose
        /// presence kinds all come from it) never moves the deadline past the person's last
        /// identity-checked presence from another department (or their entry) plus this.
        public var single_source_months: Int
        /// Rows beyond this many for one person from one source on one observed day are held for
        /// an operator's review, not applied.
        public var max_events_per_day: Int
        /// The pension service's own doors (its face verification, its community staff, its
        /// counters): their identity-checked presence corroborates any department, and their strong
        /// evidence is never capped as one department's.
        public var service_sources: [String]

        /// What a database whose stored rules predate these fields applies.
        public static let standard = Corroboration(
            about: nil, single_source_months: 24, max_events_per_day: 20,
            service_sources: ["community_office", "fastcert", "social_security_bureau"])
    }

    /// What the sightings at camera sites (pharmacies, community centres) read.
    public struct Sightings: Sendable, Codable, Equatable {
        public var about: String?
        /// Two `other_face` sightings within this many days put the person on the attention list,
        /// open a field check and hold the payment.
        public var other_face_window_days: Int
        /// A sighting captured more than this many days before it is received is refused.
        public var max_capture_age_days: Int

        /// What a database whose stored rules predate these fields applies.
        public static let standard = Sightings(about: nil, other_face_window_days: 30, max_capture_age_days: 7)
    }

    /// How long a person's face is kept once it is no longer needed, and how soon a resumed person's
    /// back pay is due (issue 31).
    public struct DataRetention: Sendable, Codable, Equatable {
        public var about: String?
        /// A resumed person's missed months are paid within this many days of the resumption (a
        /// supplementary run), not at the next monthly run; past it the back pay is an alert.
        public var back_pay_days: Int
        /// A person's face templates are deleted this many days after their death became final
        /// (no open conflict, no pending reversal, no open appeal).
        public var template_retention_days: Int

        /// What a database whose stored rules predate these fields applies.
        public static let standard = DataRetention(about: nil, back_pay_days: 3, template_retention_days: 30)
    }

    /// Help at home (issue 31): tasks' due days and their escalation, the deadline held for an
    /// overdue home visit, and the visit code's bound on wrong attempts.
    public struct HomeHelp: Sendable, Codable, Equatable {
        public var about: String?
        /// Days from a task's opening to its due day, by task kind (a kind not named: 30).
        public var due_days: [String: Int]
        /// A task still open this many days after its due day is escalated to the street office.
        public var escalate_street_after_days: Int
        /// ...and this many days after that, to the district.
        public var escalate_district_after_days: Int
        /// A deadline held for an overdue home visit is held at most this many days past it.
        public var visit_hold_max_days: Int
        /// Wrong visit codes a task takes before its code is refused for good.
        public var visit_code_max_failures: Int

        /// Days from opening to the due day of a task of `kind`.
        public func dueDays(_ kind: String) -> Int { due_days[kind] ?? 30 }

        /// What a database whose stored rules predate this block applies.
        public static let standard = HomeHelp(
            about: nil, due_days: ["home_visit": 30, "field_check": 14, "phone_call": 14, "attention": 14, "duplicate_identity": 30],
            escalate_street_after_days: 7, escalate_district_after_days: 14, visit_hold_max_days: 60, visit_code_max_failures: 5)
    }

    public struct BehaviourModel: Sendable, Codable, Equatable {
        public var window_days: Int
        public var threshold: Double
        public var min_sources: Int
        /// Behaviour alone carries a person at most this long after their last strong, biometric or
        /// visit evidence (or their entry into the ledger); then they must verify in person or by face.
        public var anchor_months: Int
        /// A behaviour certification is recorded only when it moves the deadline at least this far.
        public var min_deadline_move_days: Int
    }

    public struct Attention: Sendable, Codable, Equatable {
        public var min_age: Int
        public var inpatient_within_days: Int
        public var inpatient_kinds: [String]
    }

    /// Signs of a hidden death: presence evidence stops while possession goes on.
    public struct HiddenDeath: Sendable, Codable, Equatable {
        public var about: String?
        /// Only someone seen in person within this many days has a pattern to break.
        public var history_days: Int
        /// Not seen in person for this many days...
        public var presence_gap_days: Int
        /// ...while their card, account, phone or home was used this often...
        public var min_possession_events: Int
        /// ...in this many recent days.
        public var possession_recent_days: Int
        /// Presence that is not identity-checked (a clinic on an insurance card) and comes from one
        /// department alone keeps the sign off at most this many days after the person's last
        /// identity-checked presence (or entry): a colluding clinic cannot hide a death for ever.
        /// Nil in rules stored before it: ``uncorroboratedPresenceDays``.
        public var uncorroborated_presence_days: Int?

        /// `uncorroborated_presence_days`, or the shipped 365 for rules stored before it.
        public var uncorroboratedPresenceDays: Int { uncorroborated_presence_days ?? 365 }
    }

    /// The service ledger: who needs more than a message when warned.
    public struct ServiceLedger: Sendable, Codable, Equatable {
        public var about: String?
        public var home_visit_age_living_alone: Int
    }

    /// Operators' overrides: how far an extension, a hold or a reinstatement may go.
    public struct Overrides: Sendable, Codable, Equatable {
        public var about: String?
        /// An extension moves the deadline at most this many months past the day it is made.
        public var max_extension_months: Int
        /// A hold expires at most this many months after the day it is made.
        public var max_hold_months: Int
        /// A reinstated person must certify within this many months.
        public var reinstatement_months: Int
    }

    public var version: Int
    public var about: String?
    /// Benefit level to service period in months (6...24).
    public var service_period_months: [String: Int]
    public var warning_months: Int
    public var field_check_months: Int
    public var behaviour_model: BehaviourModel
    public var attention: Attention
    public var hidden_death: HiddenDeath
    public var service_ledger: ServiceLedger
    public var overrides: Overrides
    /// How long one department may carry a person alone; bursts held for review.
    public var corroboration: Corroboration
    /// What camera sightings read.
    public var sightings: Sightings
    /// Back pay's delay and how long a face is kept once it is no longer needed.
    public var data_retention: DataRetention = .standard
    /// What the notices to a pensioner say, per kind, language and channel (Notices.swift).
    public var notices: Notices
    /// Help at home: tasks' due days and escalation, the hold for an overdue visit, visit codes.
    public var home_help: HomeHelp
    /// What a pensioner is told of their state, and the clock of their appeals (issue 31).
    public var pensioner_side: PensionerSide
    /// The reminder, with `{name}` and `{deadline}` filled in.
    public var reminder_text: String
    public var kinds: [Kind] {
        didSet { indexKinds() }
    }

    /// `kinds` by name, for constant-time look-ups during imports.
    private var kindIndex: [String: Kind] = [:]

    enum CodingKeys: String, CodingKey {
        case version, about, service_period_months, warning_months, field_check_months, behaviour_model, attention, hidden_death,
            service_ledger, overrides, corroboration, sightings, pensioner_side,
            notices, home_help,
            reminder_text, kinds, data_retention
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        about = try c.decodeIfPresent(String.self, forKey: .about)
        service_period_months = try c.decode([String: Int].self, forKey: .service_period_months)
        warning_months = try c.decode(Int.self, forKey: .warning_months)
        field_check_months = try c.decode(Int.self, forKey: .field_check_months)
        behaviour_model = try c.decode(BehaviourModel.self, forKey: .behaviour_model)
        attention = try c.decode(Attention.self, forKey: .attention)
        hidden_death = try c.decode(HiddenDeath.self, forKey: .hidden_death)
        service_ledger = try c.decode(ServiceLedger.self, forKey: .service_ledger)
        overrides = try c.decode(Overrides.self, forKey: .overrides)
        // Rules stored before these sections apply their standard values.
        corroboration = try c.decodeIfPresent(Corroboration.self, forKey: .corroboration) ?? .standard
        sightings = try c.decodeIfPresent(Sightings.self, forKey: .sightings) ?? .standard
        data_retention = try c.decodeIfPresent(DataRetention.self, forKey: .data_retention) ?? .standard
        notices = try c.decodeIfPresent(Notices.self, forKey: .notices) ?? .standard
        home_help = try c.decodeIfPresent(HomeHelp.self, forKey: .home_help) ?? .standard
        pensioner_side = try c.decodeIfPresent(PensionerSide.self, forKey: .pensioner_side) ?? .standard
        reminder_text = try c.decode(String.self, forKey: .reminder_text)
        kinds = try c.decode([Kind].self, forKey: .kinds)
        indexKinds()
    }

    private mutating func indexKinds() {
        kindIndex = Dictionary(kinds.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The rules shipped with the program.
    public static func shipped() throws(LedgerError) -> LedgerRules {
        guard let url = Bundle.module.url(forResource: "ledger-rules", withExtension: "json") else {
            throw LedgerError(.rulesMissing, "the shipped ledger-rules.json is missing from the program's resources")
        }
        return try load(url)
    }

    /// Reads and checks a rules file.
    public static func load(_ url: URL) throws(LedgerError) -> LedgerRules {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw LedgerError(.rulesUnreadable, "cannot read the rules file \(url.path): \(error.localizedDescription)")
        }
        return try decode(data, from: "the rules file \(url.path)")
    }

    /// Decodes and checks rules (`source` names where they came from in the error): a field
    /// missing, of the wrong type or with an unknown value (an evidence class, a proof) is named
    /// by its path (`kinds[3].class`).
    public static func decode(_ data: Data, from source: String) throws(LedgerError) -> LedgerRules {
        let rules: LedgerRules
        do {
            rules = try JSONDecoder().decode(LedgerRules.self, from: data)
        } catch let error as DecodingError {
            throw LedgerError(.rulesInvalid, "\(source) is not valid: \(describe(error))")
        } catch {
            throw LedgerError(.rulesInvalid, "\(source) is not valid: \(error)")
        }
        try rules.validate()
        return rules
    }

    /// A decoding error as the field it is about and what is wrong with it.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined().trimmingPrefix(".").description
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not JSON (\(context.debugDescription))" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// Checks what JSON decoding cannot: ranges, order, duplicates, weights where they belong.
    /// Each refusal (`rules_invalid`) names the field, so whoever edits the file knows what to fix.
    public func validate() throws(LedgerError) {
        func fail(_ field: String, _ message: String) -> LedgerError { LedgerError(.rulesInvalid, "\(field): \(message)") }
        guard let shortest = service_period_months.values.min() else {
            throw fail("service_period_months", "names no benefit level")
        }
        for (level, months) in service_period_months.sorted(by: { $0.key < $1.key }) where !(6...24).contains(months) {
            throw fail("service_period_months.\(level)", "the service period must be 6 to 24 months, not \(months)")
        }
        guard field_check_months >= 0 else { throw fail("field_check_months", "must be 0 or more, not \(field_check_months)") }
        guard warning_months > field_check_months else {
            throw fail("warning_months", "must be more than field_check_months (\(field_check_months)), not \(warning_months)")
        }
        guard warning_months < shortest else {
            throw fail("warning_months", "must be less than the shortest service period (\(shortest) months), not \(warning_months)")
        }
        let model = behaviour_model
        guard model.window_days > 0 else { throw fail("behaviour_model.window_days", "must be positive, not \(model.window_days)") }
        // Written so that NaN fails too: 0 would let any single event certify.
        guard model.threshold > 0, model.threshold <= 1 else {
            throw fail("behaviour_model.threshold", "must be more than 0 and at most 1, not \(model.threshold)")
        }
        let referenceSources = Set(kinds.filter { $0.class == .reference }.map(\.source))
        guard model.min_sources >= 2 else {
            throw fail(
                "behaviour_model.min_sources", "must be at least 2 (one department's behaviour never certifies), not \(model.min_sources)")
        }
        guard model.min_sources <= referenceSources.count else {
            throw fail(
                "behaviour_model.min_sources",
                "must be at most the \(referenceSources.count) departments that report reference kinds, not \(model.min_sources)")
        }
        guard (6...60).contains(model.anchor_months) else {
            throw fail("behaviour_model.anchor_months", "must be 6 to 60, not \(model.anchor_months)")
        }
        guard (0...90).contains(model.min_deadline_move_days) else {
            throw fail("behaviour_model.min_deadline_move_days", "must be 0 to 90, not \(model.min_deadline_move_days)")
        }
        if let problem = pensioner_side.problem(kinds: kinds) { throw fail("pensioner_side.\(problem.field)", problem.message) }
        guard (0...130).contains(attention.min_age) else { throw fail("attention.min_age", "must be 0 to 130, not \(attention.min_age)") }
        guard attention.inpatient_within_days > 0 else {
            throw fail("attention.inpatient_within_days", "must be positive, not \(attention.inpatient_within_days)")
        }
        let hidden = hidden_death
        guard hidden.presence_gap_days > 0 else {
            throw fail("hidden_death.presence_gap_days", "must be positive, not \(hidden.presence_gap_days)")
        }
        guard hidden.history_days > hidden.presence_gap_days else {
            throw fail(
                "hidden_death.history_days",
                "must be longer than presence_gap_days (\(hidden.presence_gap_days)), not \(hidden.history_days)")
        }
        guard hidden.possession_recent_days > 0 else {
            throw fail("hidden_death.possession_recent_days", "must be positive, not \(hidden.possession_recent_days)")
        }
        guard hidden.min_possession_events > 0 else {
            throw fail("hidden_death.min_possession_events", "must be positive, not \(hidden.min_possession_events)")
        }
        guard hidden.uncorroboratedPresenceDays >= hidden.presence_gap_days, hidden.uncorroboratedPresenceDays <= 3650 else {
            throw fail(
                "hidden_death.uncorroborated_presence_days",
                "must be presence_gap_days (\(hidden.presence_gap_days)) to 3650, not \(hidden.uncorroboratedPresenceDays)")
        }
        let longest = service_period_months.values.max() ?? 24
        guard (longest...120).contains(corroboration.single_source_months) else {
            throw fail(
                "corroboration.single_source_months",
                "must be the longest service period (\(longest) months) to 120, not \(corroboration.single_source_months)")
        }
        for source in corroboration.service_sources where !sources.contains(source) {
            throw fail("corroboration.service_sources", "\(source) reports no kind of the catalogue")
        }
        guard (1...10_000).contains(corroboration.max_events_per_day) else {
            throw fail("corroboration.max_events_per_day", "must be 1 to 10000, not \(corroboration.max_events_per_day)")
        }
        guard (1...365).contains(sightings.other_face_window_days) else {
            throw fail("sightings.other_face_window_days", "must be 1 to 365, not \(sightings.other_face_window_days)")
        }
        guard (1...31).contains(data_retention.back_pay_days) else {
            throw fail("data_retention.back_pay_days", "must be 1 to 31, not \(data_retention.back_pay_days)")
        }
        guard (0...3650).contains(data_retention.template_retention_days) else {
            throw fail("data_retention.template_retention_days", "must be 0 to 3650, not \(data_retention.template_retention_days)")
        }
        guard (0...90).contains(sightings.max_capture_age_days) else {
            throw fail("sightings.max_capture_age_days", "must be 0 to 90, not \(sightings.max_capture_age_days)")
        }
        let help = home_help
        for (kind, days) in help.due_days.sorted(by: { $0.key < $1.key }) where !(1...365).contains(days) {
            throw fail("home_help.due_days.\(kind)", "must be 1 to 365, not \(days)")
        }
        guard (1...90).contains(help.escalate_street_after_days) else {
            throw fail("home_help.escalate_street_after_days", "must be 1 to 90, not \(help.escalate_street_after_days)")
        }
        guard (1...90).contains(help.escalate_district_after_days) else {
            throw fail("home_help.escalate_district_after_days", "must be 1 to 90, not \(help.escalate_district_after_days)")
        }
        guard (0...180).contains(help.visit_hold_max_days) else {
            throw fail("home_help.visit_hold_max_days", "must be 0 to 180, not \(help.visit_hold_max_days)")
        }
        guard (1...20).contains(help.visit_code_max_failures) else {
            throw fail("home_help.visit_code_max_failures", "must be 1 to 20, not \(help.visit_code_max_failures)")
        }
        guard (0...130).contains(service_ledger.home_visit_age_living_alone) else {
            throw fail("service_ledger.home_visit_age_living_alone", "must be 0 to 130, not \(service_ledger.home_visit_age_living_alone)")
        }
        guard (1...24).contains(overrides.max_extension_months) else {
            throw fail("overrides.max_extension_months", "must be 1 to 24, not \(overrides.max_extension_months)")
        }
        guard (1...12).contains(overrides.max_hold_months) else {
            throw fail("overrides.max_hold_months", "must be 1 to 12, not \(overrides.max_hold_months)")
        }
        guard (1...12).contains(overrides.reinstatement_months) else {
            throw fail("overrides.reinstatement_months", "must be 1 to 12, not \(overrides.reinstatement_months)")
        }
        try notices.validate()
        guard reminder_text.contains("{deadline}") else { throw fail("reminder_text", "must say the deadline ({deadline})") }
        guard !kinds.isEmpty else { throw fail("kinds", "lists no evidence kind") }
        var seen = Set<String>()
        for (index, kind) in kinds.enumerated() {
            let field = "kinds[\(index)] (\(kind.kind))"
            guard !kind.kind.isEmpty, !kind.source.isEmpty, !kind.label.isEmpty else {
                throw fail(field, "needs a kind, a source and a label")
            }
            guard seen.insert(kind.kind).inserted else { throw fail(field, "kind \(kind.kind) is listed twice") }
            switch (kind.class, kind.weight, kind.proves) {
            case (.reference, let weight?, .some) where weight > 0 && weight <= 1: break
            case (.reference, _, nil): throw fail("\(field).proves", "a reference kind must say what it proves: presence or possession")
            case (.reference, let weight, _):
                throw fail(
                    "\(field).weight", "a reference kind needs a weight more than 0 and at most 1, not \(weight.map { "\($0)" } ?? "none")")
            case (_, nil, nil): break
            case (_, _, _): throw fail(field, "is \(kind.class.rawValue): only reference kinds carry a weight and a proof")
            }
            if kind.identity_checked == true, kind.class != .reference || kind.proves != .presence {
                throw fail(
                    "\(field).identity_checked",
                    "only a presence kind is marked identity_checked (strong, biometric and visit evidence is identity-checked by its class)"
                )
            }
        }
        for name in attention.inpatient_kinds where kind(name)?.class != .reference {
            throw fail("attention.inpatient_kinds", "\(name) is not a reference kind of the catalogue")
        }
    }

    /// Checks a change of the catalogue against `reference` (the shipped one): a kind whose class,
    /// source or proof differs from the reference's (card use relabelled presence, a possession kind
    /// made strong, a department's kind moved to another to count twice), or a reference kind the
    /// reference does not have, must give its reason in its own `why`: a new one, not the
    /// reference's. Refused (`rules_invalid`) naming the kind and what changed.
    public func validateChange(from reference: LedgerRules) throws(LedgerError) {
        for (index, kind) in kinds.enumerated() {
            let why = kind.why?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let field = "kinds[\(index)] (\(kind.kind)).why"
            guard let before = reference.kind(kind.kind) else {
                if kind.class == .reference, why.isEmpty {
                    throw LedgerError(
                        .rulesInvalid,
                        "\(field): a reference kind not in the shipped catalogue must say why it proves \(kind.proves?.rawValue ?? "anything")"
                    )
                }
                continue
            }
            var changed: [String] = []
            if kind.class != before.class { changed.append("class \(before.class.rawValue) to \(kind.class.rawValue)") }
            if kind.source != before.source { changed.append("source \(before.source) to \(kind.source)") }
            if kind.proves != before.proves {
                changed.append("proves \(before.proves?.rawValue ?? "nothing") to \(kind.proves?.rawValue ?? "nothing")")
            }
            if (kind.identity_checked ?? false) != (before.identity_checked ?? false) {
                changed.append("identity_checked \(before.identity_checked ?? false) to \(kind.identity_checked ?? false)")
            }
            guard !changed.isEmpty else { continue }
            guard !why.isEmpty, why != before.why?.trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw LedgerError(
                    .rulesInvalid,
                    "\(field): \(kind.kind) changes \(changed.joined(separator: ", ")) from the shipped catalogue; "
                        + "its why must give the reason (a new one, not the shipped \"\(before.why ?? "")\")")
            }
        }
    }

    /// The rules as canonical JSON (keys sorted, no whitespace): what the database stores and
    /// hashes, so the same rules always have the same hash whatever the file's layout.
    public func canonicalJSON() throws(LedgerError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(self)
        } catch {
            throw LedgerError(.rulesInvalid, "the rules cannot be written as JSON: \(error)")
        }
    }

    /// The departments the catalogue knows (every kind's source).
    public var sources: Set<String> { Set(kinds.map(\.source)) }

    /// The kind named `name`, if the catalogue has it.
    public func kind(_ name: String) -> Kind? { kindIndex[name] }

    /// The service period of a benefit level, or nil for a level the rules do not know.
    public func servicePeriodMonths(level: String) -> Int? { service_period_months[level] }
}
