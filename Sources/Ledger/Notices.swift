/// How a notice reaches the person: WeChat when they have a WeChat id, else an SMS to their phone,
/// else their community's staff deliver it by hand (`community`: the recipient is the unit, the
/// text is the long one, which staff read out or print).
public enum NoticeChannel: String, Sendable, CaseIterable, Codable {
    case wechat, sms, community
}

/// What a notice may say about its addressee: how to reach them and where they live. Never their
/// name or resident ID (a phone number passed on to someone else must not tell them whose it was).
public struct NoticeAddressee: Sendable, Equatable {
    public var phone: String?
    public var wechatID: String?
    /// `zh` or `en` (anything else reads as `zh`).
    public var language: String
    /// The person's community: its code (the `community` channel's recipient) and name.
    public var unitCode: String
    public var unitName: String
    /// The kiosk sites nearest the person (their community's, else the nearest unit above's), nearest first.
    public var sites: [String]
    /// The community office's phone number (else the nearest unit above's).
    public var officePhone: String?

    public init(
        phone: String?, wechatID: String?, language: String, unitCode: String, unitName: String, sites: [String], officePhone: String?
    ) {
        self.phone = phone
        self.wechatID = wechatID
        self.language = language
        self.unitCode = unitCode
        self.unitName = unitName
        self.sites = sites
        self.officePhone = officePhone
    }
}

/// A notice ready for the outbox.
public struct ComposedNotice: Sendable, Equatable {
    public var channel: NoticeChannel
    public var recipient: String
    public var language: String
    public var text: String
}

extension LedgerRules {
    /// The notices' templates (the rules file's `notices` block; docs/notices.md).
    public struct Notices: Sendable, Codable, Equatable {
        public struct Limits: Sendable, Codable, Equatable {
            /// Characters of one SMS holding any character outside the GSM alphabet (Chinese: 70).
            public var ucs2: Int
            /// GSM characters of one SMS (160; `^{}[]~|€\` count two).
            public var gsm: Int
        }

        public struct Texts: Sendable, Codable, Equatable {
            public var sms: String
            public var wechat: String
        }

        public struct Language: Sendable, Codable, Equatable {
            /// A day: `{y}`, `{m}`, `{d}`, `{mon}` (Jan...Dec).
            public var date: String
            /// A month: `{y}`, `{m}`, `{mon}`.
            public var month: String
            /// Between two kiosk sites.
            public var list_separator: String
            /// A cause's code (`deadline_passed`) in plain words.
            public var causes: [String: String]
            /// An appeal's outcome (`upheld`, `rejected`) in plain words.
            public var outcomes: [String: String]
            /// What a placeholder says when the value is missing (a unit with no kiosk site, no phone).
            public var fallbacks: [String: String]
            /// An evidence kind's label for the person (a kind not listed: `fallbacks.evidence`).
            public var evidence_labels: [String: String]
            /// By ``NoticeKind`` raw value.
            public var texts: [String: Texts]
        }

        public var about: String?
        public var sms_limits: Limits
        /// Elastic values (a site, a community name, a label, a reason) are shortened to fit an SMS,
        /// never below this many characters; the validation fills them with this many.
        public var min_elastic: Int
        /// Kiosk sites named in a long text (the SMS names the nearest).
        public var max_sites: Int
        /// By language code: `zh` and `en`.
        public var languages: [String: Language]

        /// The shipped block, for rules stored before it.
        public static let standard: Notices = {
            guard let shipped = try? LedgerRules.shipped() else { preconditionFailure("the shipped rules do not load") }
            return shipped.notices
        }()

        /// The languages a person may have, the first the default.
        public static let languageCodes = ["zh", "en"]
        /// Values shortened (with an ellipsis) when an SMS would not fit.
        static let elastic = ["site", "sites", "unit", "evidence", "reason"]
        /// Every placeholder a template may use.
        public static let placeholders: Set<String> = [
            "deadline", "day", "due", "first_month", "months", "cause", "outcome", "reason", "appeal", "code", "evidence", "site",
            "sites", "unit", "phone",
        ]
        /// What each kind's texts must say (SMS and long text), besides the office phone.
        static let required: [NoticeKind: [String]] = [
            .reminder: ["deadline"], .fieldCheckReminder: ["deadline"], .suspension: ["day", "cause"],
            .resumption: ["evidence", "months"], .appealReceived: ["appeal", "due"], .appealDecided: ["appeal", "outcome"],
            .visitCode: ["code", "due"],
        ]

        /// The notice of `kind` for the addressee, in their language, on their channel; `values`
        /// by placeholder (``NoticeKind`` lists each kind's): days as `YYYY-MM-DD`, months as
        /// `YYYY-MM`, a cause or an outcome by its code, the evidence by its kind.
        public func compose(_ kind: NoticeKind, to addressee: NoticeAddressee, values: [String: String]) -> ComposedNotice {
            let language = languages[addressee.language] == nil ? Self.languageCodes[0] : addressee.language
            let (channel, recipient): (NoticeChannel, String) =
                if let wechat = addressee.wechatID?.nilIfEmpty {
                    (.wechat, wechat)
                } else if let phone = addressee.phone?.nilIfEmpty {
                    (.sms, phone)
                } else {
                    (.community, addressee.unitCode)
                }
            let body = self.text(kind, language: language, sms: channel == .sms, addressee: addressee, values: values)
            return ComposedNotice(channel: channel, recipient: recipient, language: language, text: body)
        }

        /// The text alone: the SMS one fitted into one SMS, or the long one.
        public func text(_ kind: NoticeKind, language code: String, sms: Bool, addressee: NoticeAddressee, values: [String: String])
            -> String
        {
            guard let language = languages[code] ?? languages[Self.languageCodes[0]], let texts = language.texts[kind.rawValue] else {
                return kind.rawValue
            }
            var filled: [String: String] = [:]
            for name in Self.placeholders { filled[name] = Self.value(name, values[name], language: language, addressee: addressee) }
            filled["sites"] = addressee.sites.isEmpty ? nil : addressee.sites.prefix(max_sites).joined(separator: language.list_separator)
            filled["site"] = addressee.sites.first
            filled["unit"] = addressee.unitName.nilIfEmpty
            filled["phone"] = addressee.officePhone?.nilIfEmpty
            for name in Self.placeholders where filled[name] == nil { filled[name] = language.fallbacks[name] ?? "" }
            guard sms else { return Self.fill(texts.wechat, filled) }
            return fit(texts.sms, filled, language: language, ellipsis: code == "zh" ? "…" : "...")
        }

        /// A caller's value as the person reads it: a day or month in the language's format, a
        /// cause, an outcome or an evidence kind in words; control characters dropped.
        static func value(_ name: String, _ raw: String?, language: Language, addressee: NoticeAddressee) -> String? {
            guard let raw = raw?.filter({ !$0.isNewline && $0.asciiValue.map { $0 >= 32 } ?? true }).nilIfEmpty else { return nil }
            switch name {
            case "deadline", "day", "due": return Day(raw).map { format(language.date, $0) } ?? raw
            case "first_month": return Day(raw + "-01").map { format(language.month, $0) } ?? raw
            case "cause": return language.causes[raw] ?? raw
            case "outcome": return language.outcomes[raw] ?? raw
            case "reason": return masked(raw)
            case "evidence":
                // A kind without a label for the person is not shown as its code.
                if let label = language.evidence_labels[raw] { return label }
                return raw.allSatisfy({ $0.isLowercase || $0 == "_" }) ? nil : raw
            default: return raw
            }
        }

        /// Free text (an operator's reason) with anything like a resident ID (17 digits and a digit
        /// or X) masked: a notice never carries one, the person's or anyone else's.
        static func masked(_ text: String) -> String {
            text.replacing(/[0-9]{17}[0-9Xx]/) { match in ResidentID.mask(String(match.output)) }
        }

        /// `day` as the language's notices write it (2027年3月1日, 1 Mar 2027); the first language's
        /// for an unknown one.
        public func written(_ day: Day, language code: String) -> String {
            guard let language = languages[code] ?? languages[Self.languageCodes[0]] else { return day.description }
            return Self.format(language.date, day)
        }

        static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

        static func format(_ pattern: String, _ day: Day) -> String {
            var text = Reminder.filled(pattern, "{y}", String(day.year))
            text = Reminder.filled(text, "{mon}", monthNames[day.month - 1])
            text = Reminder.filled(text, "{m}", String(day.month))
            return Reminder.filled(text, "{d}", String(day.day))
        }

        /// The template with each `{name}` replaced by its value, in one pass (a value holding a
        /// placeholder is not filled again).
        static func fill(_ template: String, _ values: [String: String]) -> String {
            var text = ""
            var rest = template[...]
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                text += rest[..<open]
                text += values[String(rest[rest.index(after: open)..<close])] ?? String(rest[open...close])
                rest = rest[rest.index(after: close)...]
            }
            return text + String(rest)
        }

        /// The SMS template filled so that it fits one SMS: an elastic value outside the GSM
        /// alphabet in a GSM template (a Chinese site name in an English text, which would make the
        /// whole SMS 70 characters) gives way to its fallback; then the longest elastic value is
        /// shortened, with an ellipsis, until the text fits (never below `min_elastic`). Rules that
        /// passed ``LedgerRules/validate()`` always fit then; anything else is cut at the limit.
        func fit(_ template: String, _ values: [String: String], language: Language, ellipsis: String) -> String {
            var values = values
            if SMSLength.isGSM(template) {
                for name in Self.elastic where !SMSLength.isGSM(values[name] ?? "") {
                    values[name] = SMSLength.isGSM(language.fallbacks[name] ?? "") ? language.fallbacks[name] : ""
                }
            }
            while true {
                let text = Self.fill(template, values)
                let over = SMSLength.length(text) - SMSLength.limit(text, sms_limits)
                guard over > 0 else { return text }
                let shrinkable = Self.elastic.filter { template.contains("{\($0)}") && (values[$0]?.count ?? 0) > min_elastic }
                guard let longest = shrinkable.max(by: { values[$0]!.count < values[$1]!.count }) else {
                    return String(text.prefix(SMSLength.limit(text, sms_limits)))
                }
                // Shortened to `target` characters, the ellipsis included: always shorter than before.
                let value = values[longest]!
                let target = max(min_elastic, value.count - over)
                var shorter =
                    target > ellipsis.count ? String(value.prefix(target - ellipsis.count)) + ellipsis : String(value.prefix(target))
                if shorter.count >= value.count { shorter = String(value.prefix(value.count - 1)) }
                values[longest] = shorter
            }
        }

        /// The longest values a template can be filled with, for the validation.
        func worstValues(_ language: Language) -> [String: String] {
            let longestDay = Day(year: 2027, month: 12, day: 31)!, maySeptember = Day(year: 2027, month: 9, day: 30)!
            let date = [Self.format(language.date, longestDay), Self.format(language.date, maySeptember)].max { $0.count < $1.count }!
            var values: [String: String] = [
                "deadline": date, "day": date, "due": date, "first_month": Self.format(language.month, longestDay), "months": "120",
                "appeal": "123456789012", "code": "12345678", "phone": String(repeating: "8", count: Self.maxOfficePhone),
                "cause": language.causes.values.max { $0.count < $1.count } ?? "",
                "outcome": language.outcomes.values.max { $0.count < $1.count } ?? "",
            ]
            for name in Self.elastic { values[name] = String(repeating: "X", count: min_elastic) }
            return values
        }

        /// The longest office phone number a unit may have.
        public static let maxOfficePhone = 13

        func validate() throws(LedgerError) {
            func fail(_ field: String, _ message: String) -> LedgerError { LedgerError(.rulesInvalid, "notices.\(field): \(message)") }
            guard (40...70).contains(sms_limits.ucs2), (70...160).contains(sms_limits.gsm) else {
                throw fail("sms_limits", "one SMS holds 70 UCS-2 or 160 GSM characters at most")
            }
            guard (4...20).contains(min_elastic) else { throw fail("min_elastic", "must be 4 to 20, not \(min_elastic)") }
            guard (1...10).contains(max_sites) else { throw fail("max_sites", "must be 1 to 10, not \(max_sites)") }
            for code in Self.languageCodes {
                guard let language = languages[code] else { throw fail("languages.\(code)", "is missing") }
                let worst = worstValues(language)
                for kind in NoticeKind.allCases {
                    let field = "languages.\(code).texts.\(kind.rawValue)"
                    guard let texts = language.texts[kind.rawValue] else { throw fail(field, "is missing: every kind needs its texts") }
                    for (channel, template) in [("sms", texts.sms), ("wechat", texts.wechat)] {
                        guard !template.isEmpty else { throw fail("\(field).\(channel)", "is empty") }
                        for name in Self.names(in: template) where !Self.placeholders.contains(name) {
                            throw fail(
                                "\(field).\(channel)",
                                "{\(name)} is not a placeholder a notice may use (no name or resident ID ever goes in a notice): "
                                    + Self.placeholders.sorted().joined(separator: ", "))
                        }
                        for name in (Self.required[kind] ?? []) + ["phone"] where !template.contains("{\(name)}") {
                            throw fail("\(field).\(channel)", "must state {\(name)}")
                        }
                    }
                    let filled = Self.fill(texts.sms, worst)
                    let length = SMSLength.length(filled), limit = SMSLength.limit(filled, sms_limits)
                    guard length <= limit else {
                        throw fail(
                            "\(field).sms",
                            "filled with the longest values it is \(length) characters, more than one SMS (\(limit)): \(filled)")
                    }
                }
            }
        }

        /// The `{name}`s of a template.
        static func names(in template: String) -> [String] {
            var names: [String] = []
            var rest = template[...]
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                names.append(String(rest[rest.index(after: open)..<close]))
                rest = rest[rest.index(after: close)...]
            }
            return names
        }
    }
}

/// How long a text is as an SMS: GSM-7 characters (the extension table's count two) when every
/// character is in the GSM alphabet, else UTF-16 units (UCS-2, as Chinese).
public enum SMSLength {
    static let basic = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    static let extended = Set("^{}\\[~]|€\u{0C}")

    public static func isGSM(_ text: String) -> Bool { text.allSatisfy { basic.contains($0) || extended.contains($0) } }

    public static func length(_ text: String) -> Int {
        isGSM(text) ? text.reduce(0) { $0 + (extended.contains($1) ? 2 : 1) } : text.utf16.count
    }

    static func limit(_ text: String, _ limits: LedgerRules.Notices.Limits) -> Int { isGSM(text) ? limits.gsm : limits.ucs2 }

    /// One SMS's limit for this text (70 or 160).
    public static func limit(_ text: String) -> Int { isGSM(text) ? 160 : 70 }
}
