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
