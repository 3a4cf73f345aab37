import Foundation

/// An 18-character PRC resident identity number (GB 11643-1999): 6-digit region, 8-digit birth
/// date, 3-digit sequence, and an ISO 7064 MOD 11-2 check character (0-9 or X).
///
/// Personal data: `description` is masked (`3702**********123X`), so interpolating an ID into a log
/// line never prints it in full. Use `value` only where the full number is needed.
public struct ResidentID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 18 characters, with a lower-case check `x` normalised to `X`.
    public let value: String

    /// Validates the length, the characters, the birth date and the check character.
    public init(_ text: String) throws(LedgerError) {
        var characters = Array(text.trimmedASCIISpaces.utf8)
        if characters.count == 18 && characters[17] == UInt8(ascii: "x") { characters[17] = UInt8(ascii: "X") }
        let normalised = String(decoding: characters, as: UTF8.self)
        guard characters.count == 18 else {
            throw LedgerError(.invalidResidentId, "a resident ID has 18 characters, this one has \(characters.count)")
        }
        guard characters[0..<17].allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw LedgerError(.invalidResidentId, "the first 17 characters of a resident ID must be digits")
        }
        let expected = Self.checkCharacter(characters[0..<17].map { Int($0) - 48 })
        guard characters[17] == expected else {
            throw LedgerError(
                .invalidResidentId,
                "the check character of resident ID \(Self.mask(normalised)) does not match (mistyped digit?)")
        }
        guard Self.birthDate(of: normalised) != nil else {
            throw LedgerError(.invalidResidentId, "resident ID \(Self.mask(normalised)) does not hold a valid birth date")
        }
        value = normalised
    }

    /// The valid ID that starts with these 17 digits (the check character computed), or nil when
    /// they are not 17 digits holding a valid birth date. For generated data and tests.
    public static func completing(_ first17: String) -> ResidentID? {
        let digits = Array(first17.utf8)
        guard digits.count == 17, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let check = checkCharacter(digits.map { Int($0) - 48 })
        return try? ResidentID(first17 + String(UnicodeScalar(check)))
    }

    /// The birth date held in characters 7-14.
    public var birthDate: Day { Self.birthDate(of: value)! }

    /// Refuses a birth date that contradicts the one the ID holds (`invalid_birth_date`): the
    /// one check of an import, a new person and a correction.
    public func checkBirthDate(_ birth: Day) throws(LedgerError) {
        guard birth == birthDate else {
            throw LedgerError(.invalidBirthDate, "\(self): birth_date \(birth) disagrees with the resident ID (\(birthDate))")
        }
    }

    /// First four and last four characters, the rest hidden.
    public var masked: String { Self.mask(value) }

    public var description: String { masked }

    public static func < (a: ResidentID, b: ResidentID) -> Bool { a.value < b.value }

    /// ISO 7064 MOD 11-2 over the 17 digits: weights 2^(17-i) mod 11; check = (12 - sum mod 11) mod 11, 10 is X.
    static func checkCharacter(_ digits: [Int]) -> UInt8 {
        var sum = 0
        var weight = 1
        for digit in digits.reversed() {
            weight = weight * 2 % 11
            sum += digit * weight
        }
        let check = (12 - sum % 11) % 11
        return check == 10 ? UInt8(ascii: "X") : UInt8(48 + check)
    }

    static func mask(_ text: String) -> String {
        guard text.count > 8 else { return String(repeating: "*", count: text.count) }
        return String(text.prefix(4)) + String(repeating: "*", count: text.count - 8) + String(text.suffix(4))
    }

    static func birthDate(of text: String) -> Day? {
        let digits = Array(text.utf8).map { Int($0) - 48 }
        guard digits.count >= 14 else { return nil }
        let year = digits[6..<10].reduce(0) { $0 * 10 + $1 }
        let month = digits[10] * 10 + digits[11]
        let day = digits[12] * 10 + digits[13]
        guard (1900...2100).contains(year) else { return nil }
        return Day(year: year, month: month, day: day)
    }
}
