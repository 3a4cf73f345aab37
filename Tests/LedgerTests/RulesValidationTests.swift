import Foundation
import Ledger
import Testing

/// What a rules file may not say: each refusal names the field to fix.
@Suite("Rules validation")
struct RulesValidationTests {
    static let shipped = try! LedgerRules.shipped()

    /// The message of the refusal `change` draws from ``LedgerRules/validate()``, or nil when valid.
    static func refusal(_ change: (inout LedgerRules) -> Void) -> String? {
        var rules = shipped
        change(&rules)
        do throws(LedgerError) {
            try rules.validate()
            return nil
        } catch {
            #expect(error.code == .rulesInvalid)
            return error.message
        }
    }

    static func index(_ kind: String) -> Int { shipped.kinds.firstIndex { $0.kind == kind }! }

    @Test(
        "nonsense is refused naming the field",
        arguments: [
            ("threshold 0", { @Sendable (r: inout LedgerRules) in r.behaviour_model.threshold = 0 }, "behaviour_model.threshold"),
            ("threshold above 1", { @Sendable (r: inout LedgerRules) in r.behaviour_model.threshold = 1.2 }, "behaviour_model.threshold"),
            ("threshold NaN", { @Sendable (r: inout LedgerRules) in r.behaviour_model.threshold = .nan }, "behaviour_model.threshold"),
            ("min_sources 0", { @Sendable (r: inout LedgerRules) in r.behaviour_model.min_sources = 0 }, "behaviour_model.min_sources"),
            ("min_sources 1", { @Sendable (r: inout LedgerRules) in r.behaviour_model.min_sources = 1 }, "behaviour_model.min_sources"),
            ("min_sources 99", { @Sendable (r: inout LedgerRules) in r.behaviour_model.min_sources = 99 }, "behaviour_model.min_sources"),
            ("weight 0", { @Sendable (r: inout LedgerRules) in r.kinds[index("atm_withdrawal")].weight = 0 }, ".weight"),
            ("weight 1.5", { @Sendable (r: inout LedgerRules) in r.kinds[index("atm_withdrawal")].weight = 1.5 }, ".weight"),
            ("period 5", { @Sendable (r: inout LedgerRules) in r.service_period_months["5"] = 5 }, "service_period_months.5"),
            ("period 25", { @Sendable (r: inout LedgerRules) in r.service_period_months["1"] = 25 }, "service_period_months.1"),
            ("no level", { @Sendable (r: inout LedgerRules) in r.service_period_months = [:] }, "service_period_months"),
            ("warning before field check", { @Sendable (r: inout LedgerRules) in r.warning_months = 1 }, "warning_months"),
            ("warning past a period", { @Sendable (r: inout LedgerRules) in r.warning_months = 6 }, "warning_months"),
            ("field check negative", { @Sendable (r: inout LedgerRules) in r.field_check_months = -1 }, "field_check_months"),
            ("a kind twice", { @Sendable (r: inout LedgerRules) in r.kinds.append(r.kinds[0]) }, "is listed twice"),
            ("proof missing", { @Sendable (r: inout LedgerRules) in r.kinds[index("atm_withdrawal")].proves = nil }, ".proves"),
            ("strong with a weight", { @Sendable (r: inout LedgerRules) in r.kinds[0].weight = 0.5 }, "only reference kinds"),
            ("no window", { @Sendable (r: inout LedgerRules) in r.behaviour_model.window_days = 0 }, "behaviour_model.window_days"),
            ("hold too long", { @Sendable (r: inout LedgerRules) in r.overrides.max_hold_months = 13 }, "overrides.max_hold_months"),
            ("history too short", { @Sendable (r: inout LedgerRules) in r.hidden_death.history_days = 10 }, "hidden_death.history_days"),
            (
                "unknown inpatient kind", { @Sendable (r: inout LedgerRules) in r.attention.inpatient_kinds = ["x"] },
                "attention.inpatient_kinds"
            ),
            ("reminder without deadline", { @Sendable (r: inout LedgerRules) in r.reminder_text = "hello {name}" }, "reminder_text"),
        ] as [(String, @Sendable (inout LedgerRules) -> Void, String)])
    func nonsense(_ what: String, change: @Sendable (inout LedgerRules) -> Void, field: String) {
        let message = Self.refusal(change)
        #expect(message?.contains(field) == true, "\(what): \(message ?? "accepted")")
    }

    @Test("the shipped rules are valid, and their canonical JSON reads back as the same rules")
    func canonical() throws {
        try Self.shipped.validate()
        let json = try Self.shipped.canonicalJSON()
        let again = try LedgerRules.decode(json, from: "test")
        #expect(again == Self.shipped)
        #expect(try again.canonicalJSON() == json, "the same rules, the same bytes")
    }

    @Test("an unknown class, a missing field or a wrong type is refused naming its path")
    func decoding() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Self.shipped.canonicalJSON()) as? [String: Any])
        var kinds = try #require(object["kinds"] as? [[String: Any]])
        kinds[3]["class"] = "miracle"
        object["kinds"] = kinds
        #expect(Self.decodeRefusal(object)?.contains("kinds[3].class") == true, "\(Self.decodeRefusal(object) ?? "")")
        kinds[3]["class"] = "strong"
        object["kinds"] = kinds
        object["warning_months"] = nil
        #expect(Self.decodeRefusal(object)?.contains("warning_months is missing") == true)
        object["warning_months"] = "three"
        #expect(Self.decodeRefusal(object)?.contains("warning_months") == true)
        #expect(throws: LedgerError.self) { try LedgerRules.decode(Data("not json".utf8), from: "test") }
    }

    static func decodeRefusal(_ object: [String: Any]) -> String? {
        do {
            _ = try LedgerRules.decode(try JSONSerialization.data(withJSONObject: object), from: "test")
            return nil
        } catch let error as LedgerError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test("a kind's class, source or proof changed from the shipped catalogue needs a reason of its own in why")
    func relabelling() throws {
        func check(_ change: (inout LedgerRules) -> Void) -> String? {
            var rules = Self.shipped
            change(&rules)
            do throws(LedgerError) {
                try rules.validate()
                try rules.validateChange(from: Self.shipped)
                return nil
            } catch {
                return error.message
            }
        }
        let atm = Self.index("atm_withdrawal")
        // Card use relabelled presence: with the shipped why ("anyone with the card and PIN"), or none, refused.
        let kept = check { $0.kinds[atm].proves = .presence }
        #expect(
            kept?.contains("kinds[\(atm)] (atm_withdrawal).why") == true && kept?.contains("proves possession to presence") == true,
            "\(kept ?? "")")
        #expect(
            check {
                $0.kinds[atm].proves = .presence; $0.kinds[atm].why = nil
            } != nil)
        #expect(
            check {
                $0.kinds[atm].proves = .presence; $0.kinds[atm].why = "  "
            } != nil)
        // Made strong (certifies at once) or moved to another department: the same.
        #expect(
            check {
                $0.kinds[atm].class = .strong; $0.kinds[atm].weight = nil; $0.kinds[atm].proves = nil
            }?.contains("class reference to strong") == true)
        #expect(check { $0.kinds[atm].source = "police" }?.contains("source bank to police") == true)
        // With a reason of its own, accepted.
        #expect(
            check {
                $0.kinds[atm].proves = .presence; $0.kinds[atm].why = "ATMs in this city photograph the face and the bank matches it"
            } == nil)
        // A new reference kind says why; weights and thresholds change without one.
        var new = Self.shipped.kinds[atm]
        (new.kind, new.source, new.proves, new.why, new.label) = ("library_visit", "culture", .presence, nil, "Library visit")
        #expect(check { $0.kinds.append(new) }?.contains("library_visit") == true)
        #expect(
            check {
                var k = new; k.why = "library card checked against the face"; $0.kinds.append(k)
            } == nil)
        #expect(
            check {
                $0.kinds[atm].weight = 0.35; $0.behaviour_model.threshold = 0.95
            } == nil)
    }
}
