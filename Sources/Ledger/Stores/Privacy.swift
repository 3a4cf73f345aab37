import Foundation

/// Consent to the processing of a person's face, as recorded at enrollment (PIPL): who gave it,
/// when, for what, and the operator who recorded it; a withdrawal closes it.
public struct Consent: Sendable, Equatable, Codable {
    public enum GivenBy: String, Sendable, Codable, CaseIterable { case person, guardian }
    public var id: Int64
    public var personID: String
    public var givenBy: GivenBy
    /// A guardian's name as they gave it (nil when the person consented).
    public var guardianName: String?
    public var purpose: String
    public var givenOn: Day
    public var recordedBy: String
    public var withdrawnOn: Day?
    public var withdrawnBy: String?
    public var withdrawalReason: String?

    public init(
        id: Int64, personID: String, givenBy: GivenBy, guardianName: String?, purpose: String, givenOn: Day, recordedBy: String,
        withdrawnOn: Day? = nil, withdrawnBy: String? = nil, withdrawalReason: String? = nil
    ) {
        self.id = id
        self.personID = personID
        self.givenBy = givenBy
        self.guardianName = guardianName
        self.purpose = purpose
        self.givenOn = givenOn
        self.recordedBy = recordedBy
        self.withdrawnOn = withdrawnOn
        self.withdrawnBy = withdrawnBy
        self.withdrawalReason = withdrawalReason
    }
}

/// What an enrollment must carry: the consent, before any photo is processed.
public struct ConsentInput: Sendable, Equatable {
    public var givenBy: Consent.GivenBy
    public var guardianName: String?
    public var purpose: String

    /// The purpose recorded when the caller names none explicitly.
    public static let proofOfLife = "pension proof of life: face verification against the enrolled template"

    public init(givenBy: Consent.GivenBy, guardianName: String?, purpose: String) {
        self.givenBy = givenBy
        self.guardianName = guardianName
        self.purpose = purpose
    }

    /// Checks and builds the consent from a caller's fields (`consent_by`, `guardian`, `purpose`).
    /// Throws `consent_required` when it is missing or incomplete.
    public static func parse(by: String?, guardian: String?, purpose: String?) throws(LedgerError) -> ConsentInput {
        guard let by, let givenBy = Consent.GivenBy(rawValue: by) else {
            throw LedgerError(
                .consentRequired,
                "an enrollment records the consent to process the face: consent_by=person or consent_by=guardian (with guardian=NAME)")
        }
        let guardian = guardian?.trimmingCharacters(in: .whitespacesAndNewlines)
        if givenBy == .guardian && (guardian ?? "").isEmpty {
            throw LedgerError(.consentRequired, "a guardian's consent names the guardian (guardian=NAME)")
        }
        let purpose = purpose?.trimmingCharacters(in: .whitespacesAndNewlines)
        return ConsentInput(
            givenBy: givenBy, guardianName: givenBy == .guardian ? guardian : nil,
            purpose: (purpose?.isEmpty ?? true) ? proofOfLife : purpose!)
    }
}

/// Why a person's face template was deleted.
public enum ErasureCause: String, Sendable, Codable { case consentWithdrawn = "consent_withdrawn", deathFinal = "death_final" }

/// Data kept no longer than needed (issue 31): consent, the deletion of faces no longer needed,
/// a person's whole record for a subject-access request, and supplementary payroll runs.
public protocol PrivacyStore: Sendable {
    /// Records a consent given at enrollment, on `day`, by the operator `actor`, within `scope`.
    func recordConsent(_ consent: ConsentInput, person: ResidentID, on day: Day, by actor: String, scope: String?) async throws -> Consent
    /// The person's consents, oldest first.
    func consents(of person: ResidentID) async throws -> [Consent]
    /// Withdraws the person's consent: closes it and deletes their face template at once, recorded.
    /// Returns whether a template was deleted.
    func withdrawConsent(person: ResidentID, reason: String, on day: Day, by actor: String, scope: String?) async throws -> Bool
    /// Deletes the templates of persons whose death became final `template_retention_days`
    /// before `day` (rules in force), in bounded transactions; returns the persons erased.
    func eraseTemplatesOfFinalDeaths(on day: Day, by actor: String, batch: Int) async throws -> [ResidentID]
    /// The person's whole record, as JSON: every table with a person column, the person's rows only.
    func export(person: ResidentID, scope: String?) async throws -> Data
    /// Runs a supplementary payroll: the months up to the latest monthly run that active persons
    /// were not paid.
    func runSupplementaryPayroll(on day: Day, by actor: String) async throws -> PayrollSupplement
    /// The stored supplementary runs, latest first.
    func payrollSupplements() async throws -> [PayrollSupplement]
    /// The lines of a supplementary run.
    func supplementLines(_ id: Int64) async throws -> [PayrollLine]
}
