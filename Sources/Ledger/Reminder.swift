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
        let message = text.replacingOccurrences(of: "{name}", with: name).replacingOccurrences(of: "{deadline}", with: deadline.description)
        return Reminder(channel: kind, recipient: recipient, message: message)
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
