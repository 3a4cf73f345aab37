import Foundation
import Ledger
import Testing

/// The stores' preconditions as pure rules: which payroll month may run, when failed
/// verifications call for a field check, and the operators' decisions (four eyes, states, one
/// open decision, decided once).
@Suite("Payroll run, escalation and decision rules")
struct OperatorRulesTests {
    static let rules = try! LedgerRules.shipped()
    static let engine = DeferralRules(rules: rules)

    static func day(_ text: String) -> Day { Day(text)! }
    static func month(_ text: String) -> Month { Month(text)! }

    // MARK: - Payroll runs

    static func history(first: String?, latest: String?, same: String? = nil) -> Payroll.RunHistory {
        Payroll.RunHistory(
            first: first.map(month), latest: latest.map(month),
            sameMonth: same.map { Payroll.RunHistory.StoredRun(runOn: day($0), actor: "cli:a") })
    }

    @Test(
        "a payroll run is admitted from its month's first day, forward, once; its epoch is the first run's month",
        arguments: [
            // (month, day, first, latest, same month's run day, epoch or refusal)
            ("2026-07", "2026-07-01", nil, nil, nil, "2026-07"),
            ("2026-09", "2026-09-01", "2026-07", "2026-07", nil, "2026-07"),
            ("2026-07", "2026-06-30", nil, nil, nil, "payroll_month"),
            ("2026-08", "2026-09-02", "2026-07", "2026-09", nil, "payroll_month"),
            ("2026-07", "2026-07-05", "2026-07", "2026-07", "2026-07-01", "payroll_run_exists"),
            // Already run wins over a day too early: the operator learns the run exists.
            ("2026-07", "2026-06-01", "2026-07", "2026-07", "2026-07-01", "payroll_run_exists"),
        ] as [(String, String, String?, String?, String?, String)])
    func payrollRun(month: String, on: String, first: String?, latest: String?, same: String?, expected: String) {
        let history = Self.history(first: first, latest: latest, same: same)
        do {
            let epoch = try Payroll.admit(run: Self.month(month), on: Self.day(on), after: history)
            #expect(epoch.description == expected)
        } catch {
            #expect(error.code.rawValue == expected)
            if error.code == .payrollRunExists { #expect(error.message.contains("run on 2026-07-01 by cli:a")) }
        }
    }

    // MARK: - Escalation

    static func attempts(_ pattern: String) -> [FailureEscalation.Attempt] {
        // Newest first: "x" a failure from device d<i>, "v" a success.
        pattern.enumerated().map { i, c in FailureEscalation.Attempt(failed: c == "x", device: "d\(i % 2)") }
    }

    @Test(
        "a field check each time consecutive failures reach a multiple of the limit",
        arguments: [
            ("xxxx", 5, nil), ("xxxxx", 5, 5), ("xxxxxx", 5, nil), ("xxxxxxxxxx", 5, 10), ("xxxxvxxxx", 5, nil),
            ("xxxxxvxxxxx", 5, 5), ("xxxxx", 0, nil), ("", 5, nil),
        ] as [(String, Int, Int?)])
    func escalation(pattern: String, every: Int, failures: Int?) {
        let check = FailureEscalation.fieldCheck(newestFirst: Self.attempts(pattern), every: every)
        #expect(check?.failures == failures)
        if let check {
            #expect(check.devices == 2)
            #expect(check.reason.hasPrefix("\(failures!) failed face verifications in a row from 2 device(s)"))
        }
    }

    @Test("devices are counted over the consecutive failures only")
    func escalationDevices() throws {
        let attempts =
            Array(repeating: FailureEscalation.Attempt(failed: true, device: "kiosk"), count: 3)
            + [FailureEscalation.Attempt(failed: false, device: "other")]
        let check = try #require(FailureEscalation.fieldCheck(newestFirst: attempts, every: 3))
        #expect(check.devices == 1)
    }

    // MARK: - Decisions

    static func ledger(_ status: PersonLedger.Status) -> PersonLedger {
        PersonLedger(
            status: status, servicePeriodMonths: 12, lastCertified: day("2025-01-01"), deadline: day("2026-01-01"),
            suspendedOn: status == .suspended ? day("2026-01-02") : nil, deathDay: status == .deceased ? day("2025-12-01") : nil)
    }

    /// Operators as keys record them: a holder through one of their keys.
    static let wangA = "Wang Fang via fc_aaaa000000000001"
    static let liB = "Li Wei via fc_bbbb000000000002"
    static let zhaoC = "Zhao Min via fc_cccc000000000003"

    static func recorded(_ status: String, by: String = Self.wangA) -> DecisionRules.Recorded {
        DecisionRules.Recorded(
            id: 7, status: status, requestedBy: by, requestedOn: "2026-02-01", decidedBy: status == "pending" ? nil : Self.liB,
            decidedOn: status == "pending" ? nil : "2026-02-02", until: "2026-05-01", outcome: "evidence_rejected")
    }

    static func code(_ body: () throws(LedgerError) -> Void) -> LedgerError.Code? {
        do {
            try body()
            return nil
        } catch { return error.code }
    }

    @Test(
        "a request needs the state it changes, and none of its kind pending",
        arguments: [
            (DecisionRules.Request.reverseDeath, PersonLedger.Status.deceased, false, nil),
            (.reverseDeath, .active, false, LedgerError.Code.personState),
            (.reinstate, .suspended, false, nil),
            (.reinstate, .deceased, false, .personState),
            (.reinstate, .suspended, true, .personState),
        ] as [(DecisionRules.Request, PersonLedger.Status, Bool, LedgerError.Code?)])
    func request(request: DecisionRules.Request, status: PersonLedger.Status, pending: Bool, refusal: LedgerError.Code?) {
        let open = pending ? Self.recorded("pending") : nil
        #expect(
            Self.code { () throws(LedgerError) in _ = try DecisionRules.ask(request, person: "P", ledger: Self.ledger(status), open: open) }
                == refusal)
    }

    @Test("the words a request records")
    func requestWords() throws {
        let what = try DecisionRules.ask(.reverseDeath, person: "P", ledger: Self.ledger(.deceased), open: nil)
        #expect(what == "reverse the death recorded on 2025-12-01")
        let change = DecisionRules.requested(9, asking: what, reason: "seen alive", on: Self.day("2026-02-01"))
        #expect(change.kind == .requested)
        #expect(
            change.cause == "decision 9: asked to reverse the death recorded on 2025-12-01, for a second operator to approve: seen alive")
    }

    @Test("four eyes: the operator who asked never approves; a request is decided once")
    func fourEyes() {
        var ledger = Self.ledger(.suspended)
        let pending = Self.recorded("pending", by: Self.wangA)
        #expect(
            Self.code { () throws(LedgerError) in
                _ = try Self.engine.approve(
                    .reinstate, pending, reason: "r", note: nil, by: Self.wangA, ledger: &ledger, on: Self.day("2026-02-03"))
            } == .sameOperator)
        #expect(ledger == Self.ledger(.suspended))
        #expect(
            Self.code { () throws(LedgerError) in
                _ = try Self.engine.approve(
                    .reinstate, Self.recorded("approved"), reason: "r", note: nil, by: Self.zhaoC, ledger: &ledger,
                    on: Self.day("2026-02-03"))
            } == .decisionClosed)
        #expect(Self.code { () throws(LedgerError) in try DecisionRules.checkPending(Self.recorded("rejected")) } == .decisionClosed)
        #expect(Self.code { () throws(LedgerError) in try DecisionRules.checkPending(pending) } == nil)
    }

    @Test("four eyes compares people: a second key of the same holder is refused; the system account and unnamed keys never ask or approve")
    func fourEyesByHolder() {
        let pending = Self.recorded("pending", by: Self.wangA)
        for sameHolder in ["Wang Fang via fc_aaaa000000000009", "  wang  FANG via fc_aaaa00000000000a"] {
            #expect(Self.code { () throws(LedgerError) in try DecisionRules.checkApprover(sameHolder, of: pending) } == .sameOperator)
        }
        for unnamed in ["system:root(uid 0)", "fc_aaaa000000000001", "cli:bob"] {
            #expect(Self.code { () throws(LedgerError) in try DecisionRules.checkApprover(unnamed, of: pending) } == .namedOperatorRequired)
            #expect(Self.code { () throws(LedgerError) in try DecisionRules.checkRequester(unnamed) } == .namedOperatorRequired)
        }
        #expect(Self.code { () throws(LedgerError) in try DecisionRules.checkApprover(Self.liB, of: pending) } == nil)
        #expect(Self.code { () throws(LedgerError) in try DecisionRules.checkRequester(Self.liB) } == nil)
        // A request recorded before holders (by a bare key or a login name) may be the approver's own: it is asked again.
        for legacy in ["cli:alice", "fc_bbbb000000000002"] {
            #expect(
                Self.code { () throws(LedgerError) in try DecisionRules.checkApprover(Self.liB, of: Self.recorded("pending", by: legacy)) }
                    == .namedOperatorRequired)
        }
        #expect(ActorID(Self.wangA) == .person(holder: "Wang Fang", key: "fc_aaaa000000000001"))
        #expect(ActorID("system:root(uid 0)") == .system(account: "root(uid 0)"))
        #expect(ActorID.systemAccount.description.hasPrefix("system:"))
    }

    @Test("a holder's name: letters, digits, spaces and .-_@, never the word that joins it to a key")
    func holderNames() throws {
        #expect(try APIKey.checkHolder("  王芳  ") == "王芳")
        #expect(try APIKey.checkHolder("wang.fang@shinan") == "wang.fang@shinan")
        #expect(APIKey.canonicalHolder("ａｌｉｃｅ") == APIKey.canonicalHolder(" Alice "))
        for bad in [
            "", "   ", "a via fc_b", "bob via", "root:0", String(repeating: "x", count: 65), "semi;colon", "-", "fc_0123456789abcdef",
            "sweep",
        ] {
            #expect(throws: LedgerError.self) { try APIKey.checkHolder(bad) }
        }
    }

    @Test("an approval by a second operator changes the ledger and names both")
    func approval() throws {
        var ledger = Self.ledger(.deceased)
        let change = try Self.engine.approve(
            .reverseDeath, Self.recorded("pending"), reason: "seen alive", note: "checked", by: Self.liB, ledger: &ledger,
            on: Self.day("2026-02-03"))
        #expect(change.kind == .deathReversed)
        #expect(
            change.cause
                == "death record reversed, decision 7, asked by \(Self.wangA) on 2026-02-01 (seen alive), approved by \(Self.liB): checked")
        #expect(ledger.status == .suspended && ledger.deathDay == nil && ledger.suspendedOn == Self.day("2025-12-01"))
        var suspended = Self.ledger(.suspended)
        let reinstated = try Self.engine.approve(
            .reinstate, Self.recorded("pending"), reason: "r", note: nil, by: Self.liB, ledger: &suspended, on: Self.day("2026-02-03"))
        #expect(reinstated.kind == .reinstated && suspended.status == .active)
    }

    @Test("a hold: not for the deceased, one in force at a time, ended once")
    func holds() {
        #expect(
            Self.code { () throws(LedgerError) in try DecisionRules.checkHold(person: "P", ledger: Self.ledger(.deceased), open: nil) }
                == .personState)
        #expect(
            Self.code { () throws(LedgerError) in
                try DecisionRules.checkHold(person: "P", ledger: Self.ledger(.active), open: Self.recorded("in_force"))
            } == .personState)
        #expect(
            Self.code { () throws(LedgerError) in try DecisionRules.checkHold(person: "P", ledger: Self.ledger(.suspended), open: nil) }
                == nil)
        #expect(Self.code { () throws(LedgerError) in try DecisionRules.checkInForce(Self.recorded("ended")) } == .decisionClosed)
        #expect(Self.code { () throws(LedgerError) in try DecisionRules.checkInForce(Self.recorded("in_force")) } == nil)
        #expect(
            DecisionRules.released(Self.recorded("in_force"), reason: "expired", on: Self.day("2026-05-01")).cause
                == "hold 7 of 2026-02-01 ended (expired); the next payroll run pays the months it held")
    }

    @Test("a conflict is resolved once; a disputed death asks for a reversal only while recorded and not yet asked")
    func conflicts() {
        #expect(
            Self.code { () throws(LedgerError) in try DecisionRules.checkUnresolved(conflict: 3, earlier: Self.recorded("done")) }
                == .decisionClosed)
        #expect(Self.code { () throws(LedgerError) in try DecisionRules.checkUnresolved(conflict: 3, earlier: nil) } == nil)
        #expect(DecisionRules.disputeAsksReversal(Self.ledger(.deceased), open: nil))
        #expect(!DecisionRules.disputeAsksReversal(Self.ledger(.deceased), open: Self.recorded("pending")))
        #expect(!DecisionRules.disputeAsksReversal(Self.ledger(.suspended), open: nil))
        #expect(
            DecisionRules.resolved(conflict: 3, deathStands: true, reason: "a relative's card", on: Self.day("2026-02-01")).cause
                == "conflict 3 resolved, the evidence rejected, the death stands: a relative's card")
    }
}
