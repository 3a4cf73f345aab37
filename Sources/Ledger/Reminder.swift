/// A reminder to certify before the deadline, as it goes into the outbox: WeChat when the person
/// has a WeChat id, else an SMS to their phone. A person with neither gets none; the field check
/// reaches them.
public struct Reminder: Sendable, Equatable {
    public enum Channel: String, Sendable {
        case wechat, sms
    }

    public var channel: Channel
    public var recipient: String
    public var message: String

    /// The reminder for a person, from the rules file's text (`{name}` and `{deadline}` filled in),
    /// or nil when the person has no channel.
    public static func compose(name: String, phone: String?, wechatID: String?, deadline: Day, text: String) -> Reminder? {
        let channel: (Channel, String)? =
            if let wechatID = wechatID?.nilIfEmpty { (.wechat, wechatID) } else if let phone = phone?.nilIfEmpty { (.sms, phone) } else {
                nil
            }
        guard let (kind, recipient) = channel else { return nil }
        let message = filled(filled(text, "{name}", name), "{deadline}", deadline.description)
        return Reminder(channel: kind, recipient: recipient, message: message)
    }

    /// `text` with every `placeholder` replaced by `value`, left to right, compared byte for byte
    /// (an ASCII placeholder's bytes never occur inside another character's). Foundation's
    /// `replacingOccurrences` cost a whole-city sweep 2.6 s for its 200,000 reminders.
    public static func filled(_ text: String, _ placeholder: String, _ value: String) -> String {
        let bytes = Array(text.utf8), token = Array(placeholder.utf8)
        guard let first = token.first else { return text }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + value.utf8.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == first, i + token.count <= bytes.count, bytes[i..<(i + token.count)].elementsEqual(token) {
                result.append(contentsOf: value.utf8)
                i += token.count
            } else {
                result.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

/// Work for community staff beside a warning's message (the service ledger, 服务台账): a home
/// visit for someone who cannot easily come to certify, a phone call for someone no message reaches.
public enum Outreach: String, Sendable, CaseIterable {
    case homeVisit = "home_visit"
    case phoneCall = "phone_call"

    /// The tasks a warned person needs, each with its reason: a home visit when immobile, or living
    /// alone at `rules.home_visit_age_living_alone` or more; a phone call when they have neither
    /// WeChat nor a phone.
    public static func tasks(
        immobile: Bool, livesAlone: Bool, age: Int, hasChannel: Bool, rules: LedgerRules.ServiceLedger
    ) -> [(Outreach, String)] {
        var tasks: [(Outreach, String)] = []
        if immobile {
            tasks.append((.homeVisit, "immobile: visit at home to certify before the deadline"))
        } else if livesAlone && age >= rules.home_visit_age_living_alone {
            tasks.append((.homeVisit, "aged \(age), living alone: visit at home to certify before the deadline"))
        }
        if !hasChannel { tasks.append((.phoneCall, "no WeChat and no phone on file: reach them through family or neighbours")) }
        return tasks
    }
}
