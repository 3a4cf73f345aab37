import ArgumentParser
import Foundation
import Ledger

/// Who a command that changes the ledger or money acts as: an API key's holder, with the key's
/// role and unit checked exactly as the routes check them, or (without a key) the machine's
/// system account, from `getuid`, for local administration: imports, sweeps, payroll, what anyone
/// holding the database file can do anyway. The system account is never one of the four eyes.
struct Acting {
    /// What the ledger records (``ActorID``).
    var actor: String
    /// The key presented, if any.
    var key: APIKey?
    /// The unit subtree the key covers; nil for the system account (the whole city).
    var scope: String? { key?.unitPath }
}

/// The option every ledger-changing command takes to act as a named operator.
struct KeyOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A file holding your key (fc_...; default: $FASTCERT_KEY). Without a key the command acts as this machine's account, which is never one of the four eyes.",
            valueName: "path"))
    var keyFile: String?

    /// The variable a key may come from instead of a file.
    static let variable = "FASTCERT_KEY"

    /// The key's text: the file's first line, else the variable's value; nil without either.
    func presented() throws -> String? {
        if let keyFile {
            guard let data = FileManager.default.contents(atPath: keyFile) else {
                throw CommandFailure.input("cannot read the key file \(keyFile)")
            }
            let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            let key = line.trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw CommandFailure.input("the key file \(keyFile) is empty [invalid_key]") }
            return key
        }
        // Set but empty (`FASTCERT_KEY=$(cat missing.key)`) is a mistake, never a quiet fall back to the system account.
        guard let value = ProcessInfo.processInfo.environment[Self.variable] else { return nil }
        let key = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw CommandFailure.input("$\(Self.variable) is set but empty [invalid_key]") }
        return key
    }

    /// Who acts: the presented key (live, of one of `roles`, else refused with the reason) or the
    /// system account. `what` names the action for the refusal.
    func acting(_ stores: Stores, roles: Set<APIKey.Role>, to what: String) async throws -> Acting {
        guard let text = try presented() else { return Acting(actor: ActorID.systemAccount.description, key: nil) }
        guard let key = try await stores.keys.authenticate(text) else {
            throw CommandFailure.input("the key presented is unknown, revoked or mistyped [invalid_key]")
        }
        guard roles.contains(key.role) else {
            let wanted = roles.map(\.rawValue).sorted().joined(separator: " or ")
            throw CommandFailure.input("this \(key.role.rawValue) key cannot \(what): it takes a \(wanted) key [forbidden_role]")
        }
        return Acting(actor: key.actor, key: key)
    }
}

/// A day an operator gives (`--as-of`, `--today`, `--day`): YYYY-MM-DD, not after today
/// (``ServiceClock``); today when not given.
func parseDay(_ text: String?, option: String) throws -> Day {
    let today = ServiceClock.today()
    guard let text else { return today }
    guard let day = Day(text) else { throw ValidationError("\(option) must be a YYYY-MM-DD date, not '\(text)'") }
    try ServiceClock.checkNotFuture(day, option, today: today)
    return day
}
