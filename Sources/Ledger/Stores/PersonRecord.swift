import Foundation

/// A person's record as operators see it over the API (never a face template).
public struct PersonRecord: Sendable, Equatable {
    public var id: ResidentID
    public var name: String
    public var birthDate: Day
    public var unitCode: String
    /// The community's path, for scope checks.
    public var unitPath: String
    public var benefitLevel: String
    public var monthlyAmountFen: Int
    public var phone: String?
    public var wechatID: String?
    public var livesAlone: Bool
    public var immobile: Bool
    public var ledger: PersonLedger
    public var enrolledOn: Day
    /// Reference photos in the face template (0: not enrolled).
    public var templatePhotos: Int
    /// The person withdrew their consent to the processing of their face (issue 31): they certify
    /// by the other channels; a face verification answers `not_enrolled_consent_withdrawn`.
    public var consentWithdrawn = false
    /// Who entered the person into the ledger (``ActorID``) and when (ISO 8601): a person enters
    /// the payroll with an amount. Nil for persons entered before it was recorded.
    public var enteredBy: String?
    public var enteredAt: String?

    public init(
        id: ResidentID, name: String, birthDate: Day, unitCode: String, unitPath: String, benefitLevel: String, monthlyAmountFen: Int,
        phone: String?, wechatID: String?, livesAlone: Bool, immobile: Bool, ledger: PersonLedger, enrolledOn: Day, templatePhotos: Int,
        enteredBy: String? = nil, enteredAt: String? = nil
    ) {
        self.id = id
        self.name = name
        self.birthDate = birthDate
        self.unitCode = unitCode
        self.unitPath = unitPath
        self.benefitLevel = benefitLevel
        self.monthlyAmountFen = monthlyAmountFen
        self.phone = phone
        self.wechatID = wechatID
        self.livesAlone = livesAlone
        self.immobile = immobile
        self.ledger = ledger
        self.enrolledOn = enrolledOn
        self.templatePhotos = templatePhotos
        self.enteredBy = enteredBy
        self.enteredAt = enteredAt
    }
}

/// Changes to a person; nil fields stay as they are. A new benefit level changes the service
/// period from the next certification on (the current deadline stands).
public struct PersonChanges: Sendable, Equatable {
    public var name: String?
    public var unitCode: String?
    public var benefitLevel: String?
    public var monthlyAmount: String?
    public var phone: String??
    public var wechatID: String??
    public var livesAlone: Bool?
    public var immobile: Bool?

    public init(
        name: String? = nil, unitCode: String? = nil, benefitLevel: String? = nil, monthlyAmount: String? = nil,
        phone: String?? = nil, wechatID: String?? = nil, livesAlone: Bool? = nil, immobile: Bool? = nil
    ) {
        self.name = name
        self.unitCode = unitCode
        self.benefitLevel = benefitLevel
        self.monthlyAmount = monthlyAmount
        self.phone = phone
        self.wechatID = wechatID
        self.livesAlone = livesAlone
        self.immobile = immobile
    }

    public var isEmpty: Bool { self == PersonChanges() }
}
