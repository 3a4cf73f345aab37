import Foundation

/// A person as an operator submits them (a CSV row, an API body), before any check.
public struct PersonInput: Sendable, Equatable {
    public var residentID: String
    public var name: String
    public var birthDate: String
    public var unitCode: String
    public var benefitLevel: String
    /// Yuan, as written ("3200.50").
    public var monthlyAmount: String
    public var phone: String?
    public var wechatID: String?
    public var livesAlone: Bool
    public var immobile: Bool
    /// The language of the person's notices: `zh` (the default, also for nil or empty) or `en`.
    public var language: String?

    public init(
        residentID: String, name: String, birthDate: String, unitCode: String, benefitLevel: String, monthlyAmount: String,
        phone: String? = nil, wechatID: String? = nil, livesAlone: Bool = false, immobile: Bool = false, language: String? = nil
    ) {
        self.residentID = residentID
        self.name = name
        self.birthDate = birthDate
        self.unitCode = unitCode
        self.benefitLevel = benefitLevel
        self.monthlyAmount = monthlyAmount
        self.phone = phone
        self.wechatID = wechatID
        self.livesAlone = livesAlone
        self.immobile = immobile
        self.language = language
    }

    /// Checks every field, throwing the first problem with a message that names the person
    /// (masked) and the field: the resident ID's checksum, a name, a birth date that agrees with
    /// the ID, a community unit that exists, a benefit level the rules know, an amount in yuan.
    public func validated(rules: LedgerRules, communities: Set<String>) throws(LedgerError) -> ValidPerson {
        let id = try ResidentID(residentID)
        let name = Self.trimmedWhitespace(name)
        guard !name.isEmpty, name.utf8.count <= 100 || name.count <= 100 else {
            throw LedgerError(.invalidName, "\(id): the name must be 1 to 100 characters")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw LedgerError(.invalidName, "\(id): the name holds a control character")
        }
        guard let birth = Day(birthDate) else {
            throw LedgerError(.invalidBirthDate, "\(id): birth_date '\(birthDate)' is not a YYYY-MM-DD date")
        }
        try id.checkBirthDate(birth)
        guard communities.contains(unitCode) else {
            throw LedgerError(.unknownCommunity, "\(id): unit '\(unitCode)' is not a known community (import the units first)")
        }
        guard let period = rules.servicePeriodMonths(level: benefitLevel) else {
            let known = rules.service_period_months.keys.sorted().joined(separator: ", ")
            throw LedgerError(.invalidBenefitLevel, "\(id): benefit level '\(benefitLevel)' is not one of \(known)")
        }
        guard let fen = Self.fen(monthlyAmount) else {
            throw LedgerError(.invalidAmount, "\(id): monthly_amount '\(monthlyAmount)' is not an amount in yuan (0 to 999999.99)")
        }
        // At most 64 bytes is at most 64 characters: the count of characters only for longer ones.
        if let phone, phone.utf8.count > 64, phone.count > 64 {
            throw LedgerError(.invalidContact, "\(id): phone is longer than 64 characters")
        }
        if let wechatID, wechatID.utf8.count > 64, wechatID.count > 64 {
            throw LedgerError(.invalidContact, "\(id): wechat_id is longer than 64 characters")
        }
        let language = self.language?.nilIfEmpty?.lowercased() ?? LedgerRules.Notices.languageCodes[0]
        guard LedgerRules.Notices.languageCodes.contains(language) else {
            throw LedgerError(
                .invalidContact,
                "\(id): language '\(self.language ?? "")' is not one of \(LedgerRules.Notices.languageCodes.joined(separator: ", "))")
        }
        var person = ValidPerson(
            id: id, name: name, birthDate: birth, unitCode: unitCode, benefitLevel: benefitLevel, servicePeriodMonths: period,
            monthlyAmountFen: fen, phone: phone?.nilIfEmpty, wechatID: wechatID?.nilIfEmpty, livesAlone: livesAlone, immobile: immobile)
        person.language = language
        return person
    }

    /// Yuan to fen, refusing negative, absurd and over-precise amounts.
    public static func fen(_ text: String) -> Int? {
        if let fen = plainFen(text) { return fen }
        // Wholly an amount, or nothing: `Decimal(string:)` reads a leading number and stops, so
        // "1,500.50" would be 1 yuan and "1e3" a thousand.
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
        let points = trimmed.utf8.filter { $0 == UInt8(ascii: ".") }.count
        guard digits > 0, points <= 1, digits + points == trimmed.utf8.count else { return nil }
        guard let amount = Decimal(string: trimmed), amount >= 0, amount < 1_000_000 else { return nil }
        let fen = amount * 100
        var rounded = Decimal()
        var copy = fen
        NSDecimalRound(&rounded, &copy, 0, .plain)
        guard rounded == fen else { return nil }
        return NSDecimalNumber(decimal: rounded).intValue
    }
}

extension PersonInput {
    /// The amount as almost every file writes it, `1234`, `1234.5` or `1234.56` (ASCII digits, at
    /// most six before the point), in fen, read from the bytes; nil for anything else, which
    /// ``fen(_:)`` reads as a `Decimal` (the same value for these). An import runs this for every
    /// row, where `Decimal(string:)` cost more than the rest of the row's checks.
    static func plainFen(_ text: String) -> Int? {
        var yuan = 0, digits = 0, fen = 0, decimals = 0, point = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard !point, digits > 0 else { return nil }
                point = true
            } else if byte >= 48 && byte <= 57 {
                if point {
                    decimals += 1
                    fen = fen * 10 + Int(byte - 48)
                } else {
                    digits += 1
                    yuan = yuan * 10 + Int(byte - 48)
                }
            } else {
                return nil
            }
        }
        guard digits >= 1, digits <= 6, decimals <= 2, !point || decimals > 0 else { return nil }
        return yuan * 100 + (decimals == 1 ? fen * 10 : fen)
    }

    /// `text` without leading and trailing whitespace as Foundation's `.whitespaces` defines it
    /// (Unicode Zs and tab); Foundation trims only when an end is whitespace (a name rarely is).
    public static func trimmedWhitespace(_ text: String) -> String {
        func blank(_ scalar: Unicode.Scalar?) -> Bool {
            scalar.map { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator } ?? false
        }
        guard blank(text.unicodeScalars.first) || blank(text.unicodeScalars.last) else { return text }
        return text.trimmingCharacters(in: .whitespaces)
    }
}

/// A person whose every field has been checked (only ``PersonInput/validated(rules:communities:)`` makes one).
public struct ValidPerson: Sendable, Equatable {
    public let id: ResidentID
    public let name: String
    public let birthDate: Day
    public let unitCode: String
    public let benefitLevel: String
    public let servicePeriodMonths: Int
    public let monthlyAmountFen: Int
    public let phone: String?
    public let wechatID: String?
    public let livesAlone: Bool
    public let immobile: Bool
    /// The language of the person's notices: `zh` or `en`.
    public internal(set) var language = "zh"
}

extension ValidPerson {
    /// Why a person cannot enter the ledger on `enrolled` (imported on `today`, after payroll runs
    /// up to `latestRun`), or nil: not after today, not before their birth, and not before the month
    /// of the latest stored run, whose months were paid (or not) by the system before: a person
    /// entered now with an older day would be owed those months as back pay without anyone deciding it.
    public func refusal(enrolled: Day, today: Day, latestRun: Month?) -> String? {
        if enrolled > today { return "\(id): enrolled_on \(enrolled) is after today (\(today))" }
        if enrolled < birthDate { return "\(id): enrolled_on \(enrolled) is before the person's birth (\(birthDate))" }
        if let latestRun, Month(enrolled) < latestRun {
            return
                "\(id): enrolled_on \(enrolled) is before the latest payroll run (\(latestRun)): months already run are not owed to a person entered now"
        }
        return nil
    }
}
