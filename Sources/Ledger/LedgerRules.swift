import Foundation

/// The evidence catalogue and the deferral rules, from an editable JSON file. The default ships with
/// the program (`Resources/ledger-rules.json`); an operator can pass an edited copy.
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
        public var label: String
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
    /// The reminder, with `{name}` and `{deadline}` filled in.
    public var reminder_text: String
    public var kinds: [Kind] {
        didSet { indexKinds() }
    }

    /// `kinds` by name, for constant-time look-ups during imports.
    private var kindIndex: [String: Kind] = [:]

    enum CodingKeys: String, CodingKey {
        case version, about, service_period_months, warning_months, field_check_months, behaviour_model, attention, hidden_death,
            service_ledger, overrides,
            reminder_text, kinds
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
        let rules: LedgerRules
        do {
            rules = try JSONDecoder().decode(LedgerRules.self, from: data)
        } catch {
            throw LedgerError(.rulesInvalid, "the rules file \(url.path) is not valid: \(error)")
        }
        try rules.validate()
        return rules
    }

    /// Checks what JSON decoding cannot: ranges, duplicates, weights where they belong.
    public func validate() throws(LedgerError) {
        func fail(_ message: String) -> LedgerError { LedgerError(.rulesInvalid, message) }
        guard !service_period_months.isEmpty else { throw fail("service_period_months names no benefit level") }
        for (level, months) in service_period_months where !(6...24).contains(months) {
            throw fail("benefit level \(level): the service period must be 6 to 24 months, not \(months)")
        }
        guard warning_months > field_check_months, field_check_months >= 0 else {
            throw fail("warning_months must be larger than field_check_months")
        }
        guard behaviour_model.window_days > 0, (0...1).contains(behaviour_model.threshold), behaviour_model.min_sources >= 2 else {
            throw fail("behaviour_model needs a positive window, a threshold in 0...1 and min_sources of at least 2")
        }
        guard (6...60).contains(behaviour_model.anchor_months), (0...90).contains(behaviour_model.min_deadline_move_days) else {
            throw fail("behaviour_model needs anchor_months of 6 to 60 and min_deadline_move_days of 0 to 90")
        }
        let hidden = hidden_death
        guard hidden.presence_gap_days > 0, hidden.history_days > hidden.presence_gap_days, hidden.possession_recent_days > 0,
            hidden.min_possession_events > 0
        else {
            throw fail("hidden_death needs positive days and events, and history_days longer than presence_gap_days")
        }
        guard (1...24).contains(overrides.max_extension_months), (1...12).contains(overrides.max_hold_months),
            (1...12).contains(overrides.reinstatement_months)
        else {
            throw fail("overrides need max_extension_months of 1 to 24, max_hold_months and reinstatement_months of 1 to 12")
        }
        var seen = Set<String>()
        for kind in kinds {
            guard seen.insert(kind.kind).inserted else { throw fail("kind \(kind.kind) is listed twice") }
            switch (kind.class, kind.weight, kind.proves) {
            case (.reference, let weight?, .some) where (0...1).contains(weight): break
            case (.reference, _, nil): throw fail("reference kind \(kind.kind) must say what it proves: presence or possession")
            case (.reference, _, _): throw fail("reference kind \(kind.kind) needs a weight between 0 and 1")
            case (_, nil, nil): break
            case (_, _, _): throw fail("kind \(kind.kind) is \(kind.class.rawValue): only reference kinds carry a weight and a proof")
            }
        }
    }

    /// The departments the catalogue knows (every kind's source).
    public var sources: Set<String> { Set(kinds.map(\.source)) }

    /// The kind named `name`, if the catalogue has it.
    public func kind(_ name: String) -> Kind? { kindIndex[name] }

    /// The service period of a benefit level, or nil for a level the rules do not know.
    public func servicePeriodMonths(level: String) -> Int? { service_period_months[level] }
}
