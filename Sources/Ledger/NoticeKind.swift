/// The notices the service sends a pensioner (or, for one who has no channel, the person on file
/// for them), each an outbox row with its channel, text and delivery state. What each kind's text
/// is filled with (`values` of ``LedgerStore.queueNotice``, by placeholder name):
public enum NoticeKind: String, Sendable, CaseIterable, Codable {
    /// Under `warning_months` to the deadline: `deadline`.
    case reminder
    /// The second reminder, when the field check opens: `deadline`.
    case fieldCheckReminder = "field_check_reminder"
    /// Payment stopped: `cause` (in plain words), `day`.
    case suspension
    /// Payment resumes: `evidence` (its label), `day`, `months` (those to be paid).
    case resumption
    /// An appeal was received: `appeal` (its number), `due` (the day it is due).
    case appealReceived = "appeal_received"
    /// An appeal was decided: `appeal`, `outcome` (upheld or rejected), `reason`.
    case appealDecided = "appeal_decided"
    /// A home visit is coming: `code` (the visit code the worker states at the door), `due`.
    case visitCode = "visit_code"
}
