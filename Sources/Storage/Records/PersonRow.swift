import GRDB
import Ledger

/// A row of `person`: who is paid, where they live, and their ledger (status, deadline).
struct PersonRow: TableRow, Equatable, PersistableRecord {
    static let databaseTableName = "person"

    var id: String
    var name: String
    var birthDate: String
    var unitCode: String
    var benefitLevel: String
    var monthlyAmountFen: Int64
    var phone: String?
    var wechatId: String?
    var livesAlone: Bool
    var immobile: Bool
    var status: String
    var servicePeriodMonths: Int
    var enrolledOn: String
    var lastCertified: String?
    var deadline: String
    var suspendedOn: String?
    var deathDay: String?
    /// The act that entered the person (`person_entry`: who, when, through which door); nil for
    /// persons entered before it was recorded.
    var entryId: Int64?
    /// The language of the person's notices: zh or en (v28).
    var language: String = "zh"

    /// A checked person entering the ledger on `enrolled`, active, with their level's period,
    /// by the act `entry`.
    init(_ person: ValidPerson, enrolled: Day, entry: Int64) {
        let ledger = PersonLedger(enrolled: enrolled, servicePeriodMonths: person.servicePeriodMonths)
        id = person.id.value
        name = person.name
        birthDate = person.birthDate.description
        unitCode = person.unitCode
        benefitLevel = person.benefitLevel
        monthlyAmountFen = Int64(person.monthlyAmountFen)
        phone = person.phone
        wechatId = person.wechatID
        livesAlone = person.livesAlone
        immobile = person.immobile
        status = ledger.status.rawValue
        servicePeriodMonths = person.servicePeriodMonths
        enrolledOn = enrolled.description
        deadline = ledger.deadline.description
        entryId = entry
        language = person.language
    }

}

extension PersonRow: FastInsertable {
    /// A resident ID already present is left as it is.
    static let insertSQL = """
        INSERT INTO person (id, name, birth_date, unit_code, benefit_level, monthly_amount_fen, phone, wechat_id,
            lives_alone, immobile, status, service_period_months, enrolled_on, last_certified, deadline, suspended_on, death_day,
            entry_id, language)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO NOTHING
        """

    var insertArguments: StatementArguments {
        [
            id, name, birthDate, unitCode, benefitLevel, monthlyAmountFen, phone, wechatId, livesAlone, immobile, status,
            servicePeriodMonths, enrolledOn, lastCertified, deadline, suspendedOn, deathDay, entryId, language,
        ]
    }
}
