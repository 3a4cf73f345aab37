import Foundation
import Ledger
import Testing

/// The notices' texts from the shipped templates: what each says, in which language, on which
/// channel, and that an SMS text always fits one SMS.
@Suite("Notice templates")
struct NoticeTemplateTests {
    static let notices = try! LedgerRules.shipped().notices

    static func person(
        phone: String? = "13800000000", wechat: String? = nil, language: String = "zh", unit: String = "太平社区",
        sites: [String] = ["太平社区服务中心", "八大关街道便民服务站", "市南区社保大厅", "第四个点"], officePhone: String? = "0532-82861234"
    ) -> NoticeAddressee {
        NoticeAddressee(
            phone: phone, wechatID: wechat, language: language, unitCode: "370202001001", unitName: unit, sites: sites,
            officePhone: officePhone)
    }

    @Test("the reminder in Chinese: the deadline, the app, the nearest kiosk site, the office number and the consequence, in one SMS")
    func chineseReminderSMS() throws {
        for kind in [NoticeKind.reminder, .fieldCheckReminder] {
            let notice = Self.notices.compose(kind, to: Self.person(), values: ["deadline": "2027-03-01"])
            #expect(notice.channel == .sms && notice.recipient == "13800000000" && notice.language == "zh")
            let text = notice.text
            #expect(text.contains("2027年3月1日") && text.contains("App刷脸") && text.contains("太平社区服务中心"))
            #expect(text.contains("0532-82861234") && text.contains("逾期停发") && text.contains("补发"), "\(text)")
            #expect(text.utf16.count <= 70, "\(text.utf16.count): \(text)")
            #expect(SMSLength.length(text) <= SMSLength.limit(text))
        }
    }

    @Test("the long text (WeChat) names the three ways with the nearest three sites, the community office and what happens if not")
    func chineseReminderWeChat() throws {
        let notice = Self.notices.compose(.reminder, to: Self.person(wechat: "wf1940"), values: ["deadline": "2027-03-01"])
        #expect(notice.channel == .wechat && notice.recipient == "wf1940")
        let text = notice.text
        for part in [
            "2027年3月1日", "“智慧人社”App刷脸", "太平社区服务中心、八大关街道便民服务站、市南区社保大厅", "太平社区办公室0532-82861234", "暂停发放",
            "停发的每个月都会补发",
        ] {
            #expect(text.contains(part), "\(part) in \(text)")
        }
        #expect(!text.contains("第四个点"), "at most max_sites sites")
        #expect(!text.contains("{"), "every placeholder filled: \(text)")
    }

    @Test("every kind, both languages, both channels: filled, no placeholder left, the SMS within one SMS, no name or ID")
    func everyKind() throws {
        let values = [
            "deadline": "2027-12-31", "day": "2027-12-31", "due": "2027-12-31", "cause": "deadline_passed",
            "evidence": "face_verification_kiosk",
            "months": "3", "first_month": "2027-10", "appeal": "42", "outcome": "upheld", "reason": "记录有误", "code": "482913",
        ]
        for kind in NoticeKind.allCases {
            for language in ["zh", "en"] {
                let sms = Self.notices.compose(kind, to: Self.person(language: language), values: values)
                let wechat = Self.notices.compose(kind, to: Self.person(wechat: "w", language: language), values: values)
                for text in [sms.text, wechat.text] { #expect(!text.contains("{") && !text.contains("}"), "\(kind) \(language): \(text)") }
                #expect(SMSLength.length(sms.text) <= SMSLength.limit(sms.text), "\(kind) \(language): \(sms.text)")
                if language == "zh" { #expect(sms.text.utf16.count <= 70, "\(kind): \(sms.text)") }
            }
        }
    }

    @Test("suspension: the cause in plain words, the day, resumption with every missed month, how; never the internal code")
    func suspension() throws {
        let zh = Self.notices.compose(.suspension, to: Self.person(), values: ["cause": "deadline_passed", "day": "2027-03-02"]).text
        #expect(zh.contains("逾期未认证") && zh.contains("2027年3月2日") && zh.contains("恢复") && zh.contains("补"), "\(zh)")
        #expect(!zh.contains("deadline_passed"))
        let long = Self.notices.compose(
            .suspension, to: Self.person(wechat: "w"), values: ["cause": "deadline_passed", "day": "2027-03-02"])
        #expect(long.text.contains("停发的每个月都会补发") && long.text.contains("申诉"))
        let en = Self.notices.compose(
            .suspension, to: Self.person(language: "en"), values: ["cause": "deadline_passed", "day": "2027-03-02"])
        #expect(en.language == "en" && en.text.contains("no confirmation by deadline") && en.text.contains("2 Mar 2027"), "\(en.text)")
    }

    @Test("resumption receipt: the evidence's label in Chinese and the months to be paid; an unlabelled kind is not shown as its code")
    func resumption() throws {
        let values = ["evidence": "face_verification_mobile", "day": "2027-05-10", "months": "2", "first_month": "2027-04"]
        let text = Self.notices.compose(.resumption, to: Self.person(wechat: "w"), values: values).text
        #expect(text.contains("App刷脸认证") && text.contains("2个月") && text.contains("2027年4月") && text.contains("2027年5月10日"), "\(text)")
        var unlabelled = values
        unlabelled["evidence"] = "rail_ticket_checked"
        let other = Self.notices.compose(.resumption, to: Self.person(), values: unlabelled).text
        #expect(!other.contains("rail_ticket_checked") && other.contains("认证记录"), "\(other)")
    }

    @Test("no WeChat and no phone: a community notice for the staff (the long text), to the unit")
    func community() throws {
        let notice = Self.notices.compose(
            .suspension, to: Self.person(phone: nil, wechat: ""), values: ["cause": "deadline_passed", "day": "2027-03-02"])
        #expect(notice.channel == .community && notice.recipient == "370202001001" && notice.text.contains("太平社区办公室"))
    }

    @Test(
        "a long community or site name is shortened with an ellipsis: the SMS still fits; a unit without sites or phone reads the fallback")
    func longNames() throws {
        let long = String(repeating: "很长的社区名字", count: 8)
        let person = Self.person(unit: long, sites: [long + "服务中心"])
        for kind in NoticeKind.allCases {
            let text = Self.notices.compose(
                kind, to: person, values: ["deadline": "2027-12-31", "day": "2027-12-31", "cause": "deadline_passed", "reason": long]
            ).text
            #expect(text.utf16.count <= 70, "\(kind): \(text.utf16.count) \(text)")
        }
        let reminder = Self.notices.compose(.reminder, to: person, values: ["deadline": "2027-12-31"]).text
        #expect(reminder.contains("…") && reminder.contains("很长的社区"), "\(reminder)")
        let bare = Self.notices.compose(.reminder, to: Self.person(sites: [], officePhone: nil), values: ["deadline": "2027-12-31"]).text
        #expect(bare.contains("社区服务中心") && bare.contains("12333"), "\(bare)")
    }

    @Test("English SMS with a Chinese site name: the site gives way to the fallback, so the SMS stays within 160 GSM characters")
    func englishWithChineseSite() throws {
        let notice = Self.notices.compose(.reminder, to: Self.person(language: "en"), values: ["deadline": "2027-03-01"])
        #expect(SMSLength.isGSM(notice.text) && notice.text.count <= 160, "\(notice.text)")
        #expect(notice.text.contains("1 Mar 2027") && notice.text.contains("0532-82861234") && notice.text.contains("community centre"))
    }

    @Test("the rules refuse an SMS template that overflows one SMS, a missing text, a name placeholder; the message says which")
    func validation() throws {
        func refusal(_ change: (inout LedgerRules) -> Void) -> String? {
            var rules = try! LedgerRules.shipped()
            change(&rules)
            do throws(LedgerError) {
                try rules.validate()
                return nil
            } catch {
                return error.code == .rulesInvalid ? error.message : "\(error.code): \(error.message)"
            }
        }
        #expect(refusal { _ in } == nil)
        let long = refusal { $0.notices.languages["zh"]!.texts["suspension"]!.sms += "如有疑问请携带身份证到社区办公室咨询。" }
        #expect(
            long?.contains("notices.languages.zh.texts.suspension.sms") == true && long?.contains("more than one SMS (70)") == true,
            "\(long ?? "")")
        let english = refusal {
            $0.notices.languages["en"]!.texts["reminder"]!.sms += " Please bring your ID card to the community office."
        }
        #expect(
            english?.contains("notices.languages.en.texts.reminder.sms") == true && english?.contains("(160)") == true, "\(english ?? "")")
        let missing = refusal { $0.notices.languages["en"]!.texts["visit_code"] = nil }
        #expect(missing?.contains("notices.languages.en.texts.visit_code") == true, "\(missing ?? "")")
        let name = refusal { $0.notices.languages["zh"]!.texts["reminder"]!.wechat += "{name}" }
        #expect(name?.contains("{name} is not a placeholder") == true, "\(name ?? "")")
        let noDeadline = refusal { $0.notices.languages["zh"]!.texts["reminder"]!.sms = "请认证，询{phone}" }
        #expect(noDeadline?.contains("must state {deadline}") == true, "\(noDeadline ?? "")")
        let noLanguage = refusal { $0.notices.languages["en"] = nil }
        #expect(noLanguage?.contains("notices.languages.en") == true)
    }

    @Test("an operator's reason holding a resident ID goes out masked, on both channels")
    func reasonMasked() throws {
        let values = ["appeal": "7", "outcome": "rejected", "reason": "与370202194003150012的记录不符"]
        for wechat in [nil, "w"] {
            let text = Self.notices.compose(.appealDecided, to: Self.person(wechat: wechat), values: values).text
            #expect(!text.contains("370202194003150012") && !text.contains("19400315"), "\(text)")
        }
    }

    @Test("rules stored before the notices block read the shipped templates")
    func olderRules() throws {
        let shipped = try LedgerRules.shipped()
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(shipped)) as! [String: Any]
        json["notices"] = nil
        let older = try LedgerRules.decode(JSONSerialization.data(withJSONObject: json), from: "test")
        #expect(older.notices == shipped.notices)
    }
}
