import Crypto
import Foundation
import Ledger

/// Seals face templates (the enrolled embeddings) at rest with AES-GCM under a 256-bit key kept
/// outside the database, bound to the person's resident ID so a sealed row cannot be moved to
/// another person. A database copied without the key file holds no usable template.
public struct TemplateVault: Sendable {
    private let key: SymmetricKey
    /// Where the key came from (`FASTCERT_TEMPLATE_KEY`, or the key file's path), for messages.
    public let source: String

    public init(key: SymmetricKey, source: String = "a key given in code") {
        self.key = key
        self.source = source
    }

    /// The key from `FASTCERT_TEMPLATE_KEY` (64 hex digits) when set, else from `file`. Only when
    /// the file does not exist is a new random key created, atomically and with mode 0600 whatever
    /// the umask (written to a private temporary file, then linked to the name: never over an
    /// existing file, and never half-written). Any other failure to read the file (permission,
    /// I/O, not text, not 64 hex digits) is an error naming the file: a key is never replaced.
    /// With `mayCreate` false (templates are already enrolled), a missing file is an error too: a
    /// new key could open none of them.
    public static func loadOrCreate(
        keyFile file: URL, mayCreate: Bool = true, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> TemplateVault {
        if let hex = environment["FASTCERT_TEMPLATE_KEY"] {
            guard let bytes = Data(hex: hex), bytes.count == 32 else {
                throw StorageError(.templateKey, "FASTCERT_TEMPLATE_KEY must be 64 hex digits (a 256-bit key)")
            }
            return TemplateVault(key: SymmetricKey(data: bytes), source: "FASTCERT_TEMPLATE_KEY")
        }
        if let existing = try read(file) { return existing }
        guard mayCreate else {
            throw StorageError(
                .templateKey,
                "the template key file \(file.path) is missing while face templates are enrolled: restore the file that sealed them (a new key would open none)"
            )
        }
        let key = SymmetricKey(size: .bits256)
        let hex = key.withUnsafeBytes { Data($0) }.hexString
        let temporary = file.path + ".new-\(UUID().uuidString)"
        defer { unlink(temporary) }  // whether the link is made or not, and if the write failed halfway
        try PrivateFile.create(temporary, contents: Data((hex + "\n").utf8), what: "the template key file", code: .templateKey)
        guard link(temporary, file.path) == 0 else {
            let failure = errno
            // Another process created the key first: use theirs.
            if failure == EEXIST, let theirs = try read(file) { return theirs }
            throw StorageError(.templateKey, "cannot create the template key file \(file.path): \(String(cString: strerror(failure)))")
        }
        return TemplateVault(key: key, source: file.path)
    }

    /// The key in `file`, or nil when there is no such file; any other problem is an error.
    static func read(_ file: URL) throws -> TemplateVault? {
        guard let data = try PrivateFile.readIfExists(file.path, limit: 1024, what: "the template key file", code: .templateKey) else {
            return nil
        }
        guard let text = String(data: data, encoding: .utf8),
            let bytes = Data(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32
        else {
            throw StorageError(
                .templateKey, "the template key file \(file.path) does not hold 64 hex digits; restore the file that sealed the templates")
        }
        return TemplateVault(key: SymmetricKey(data: bytes), source: file.path)
    }

    /// Seals embeddings (each 128 floats) for a person.
    public func seal(_ embeddings: [[Float]], for person: ResidentID) throws -> Data {
        var plain = Data(capacity: 1 + embeddings.reduce(0) { $0 + 1 + 4 * $1.count })
        plain.append(UInt8(embeddings.count))
        for embedding in embeddings {
            plain.append(UInt8(embedding.count))
            for value in embedding { withUnsafeBytes(of: value.bitPattern.littleEndian) { plain.append(contentsOf: $0) } }
        }
        do {
            guard let sealed = try AES.GCM.seal(plain, using: key, authenticating: Data(person.value.utf8)).combined else {
                throw StorageError(.templateSeal, "sealing the template failed")
            }
            return sealed
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(.templateSeal, "sealing the template failed")
        }
    }

    /// Opens a person's sealed template; fails on a wrong key, a row moved from another person,
    /// or any tampering.
    public func open(_ sealed: Data, for person: ResidentID) throws -> [[Float]] {
        let plain: Data
        do {
            plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(person.value.utf8))
        } catch {
            throw StorageError(
                .templateUnreadable, "the stored face template cannot be opened with this template key (wrong key file, or altered)")
        }
        // Layout: count, then per embedding its dimension count and that many little-endian float32.
        let raw = [UInt8](plain)
        guard let count = raw.first else { throw StorageError(.templateUnreadable, "the stored face template is empty") }
        var offset = 1
        var embeddings: [[Float]] = []
        embeddings.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard offset < raw.count else { throw StorageError(.templateUnreadable, "the stored face template is truncated") }
            let dimensions = Int(raw[offset])
            offset += 1
            guard raw.count - offset >= dimensions * 4 else {
                throw StorageError(.templateUnreadable, "the stored face template is truncated")
            }
            embeddings.append(
                (0..<dimensions).map { i in
                    let at = offset + 4 * i
                    let word = UInt32(raw[at]) | UInt32(raw[at + 1]) << 8 | UInt32(raw[at + 2]) << 16 | UInt32(raw[at + 3]) << 24
                    return Float(bitPattern: word)
                })
            offset += dimensions * 4
        }
        return embeddings
    }
}
