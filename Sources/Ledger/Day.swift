import Foundation

/// A calendar day (no time, no zone), with the calendar-month arithmetic the deferral rules use:
/// 31 January + 1 month = 28 (or 29) February.
public struct Day: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil when the date does not exist (31 April, 29 February 2023, month 13...).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(year: year, month: month) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` (exactly: four, two and two digits). Reads the bytes directly: this runs
    /// for every row of an import and every person of a sweep.
    public init?(_ text: String) {
        var text = text
        let parsed: (Int, Int, Int)? = text.withUTF8 { b in
            guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
            var value = [0, 0, 0]
            for (field, range) in [(0, 0..<4), (1, 5..<7), (2, 8..<10)] {
                for i in range {
                    guard b[i] >= 48 && b[i] <= 57 else { return nil }
                    value[field] = value[field] * 10 + Int(b[i] - 48)
                }
            }
            return (value[0], value[1], value[2])
        }
        guard let (y, m, d) = parsed else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The day an instant falls on in the ledger's time zone (China Standard Time, UTC+8, no DST).
    public init(_ instant: Date) {
        let seconds = Int(floor(instant.timeIntervalSince1970)) + Self.zoneOffsetSeconds
        self = Day(daysSinceEpoch: Int(floor(Double(seconds) / 86_400)))
    }

    /// UTC+8: the ledger's days are Beijing days, whatever the machine's zone.
    public static let zoneOffsetSeconds = 8 * 3600

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Calendar-month arithmetic, clamping to the last day of the target month.
    public func adding(months: Int) -> Day {
        let index = year * 12 + (month - 1) + months
        let y = Int(floor(Double(index) / 12)), m = index - y * 12 + 1
        return Day(year: y, month: m, day: min(day, Self.daysIn(year: y, month: m)))!
    }

    public func adding(days: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + days) }

    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        month = m
        day = d
    }

    /// The first day of this day's month.
    public var firstOfMonth: Day { Day(year: year, month: month, day: 1)! }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(to other: Day) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    /// Whole years of age on `day` for someone born on `self`.
    public func age(on day: Day) -> Int {
        var years = day.year - year
        if (day.month, day.day) < (month, self.day) { years -= 1 }
        return years
    }

    public static func < (a: Day, b: Day) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    /// `YYYY-MM-DD` (years 0...9999), built by hand: this runs for every row of an import.
    public var description: String {
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: 10)
        var y = year
        for i in stride(from: 3, through: 0, by: -1) {
            bytes[i] = UInt8(48 + y % 10)
            y /= 10
        }
        bytes[4] = UInt8(ascii: "-")
        bytes[5] = UInt8(48 + month / 10)
        bytes[6] = UInt8(48 + month % 10)
        bytes[7] = UInt8(ascii: "-")
        bytes[8] = UInt8(48 + day / 10)
        bytes[9] = UInt8(48 + day % 10)
        return String(decoding: bytes, as: UTF8.self)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(text)"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A calendar month, `YYYY-MM`: the payroll's unit.
public struct Month: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(_ text: String) {
        guard let day = Day(text + "-01") else { return nil }
        year = day.year
        month = day.month
    }

    public init(_ day: Day) {
        year = day.year
        month = day.month
    }

    public var firstDay: Day { Day(year: year, month: month, day: 1)! }
    public var next: Month { Month(firstDay.adding(months: 1)) }

    /// Months from `self` to `other` (positive when `other` is later).
    public func months(to other: Month) -> Int { (other.year - year) * 12 + other.month - month }

    public static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }
    public var description: String { String(format: "%04d-%02d", year, month) }
}
