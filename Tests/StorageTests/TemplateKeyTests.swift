import Crypto
import Foundation
import Ledger
import Storage
import Testing

/// The template key and the database file: private to their owner whatever the umask, a key never
/// replaced, and a key that does not open the enrolled templates refused before use.
@Suite("Template key and file modes", .serialized)
struct TemplateKeyTests {
    static func withFolder(_ body: (URL) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await body(folder)
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("under umask 000 the key file and the database file are created 0600")
    func privateModes() async throws {
        try await Self.withFolder { folder in
            let previous = umask(0)
            defer { umask(previous) }
            let keyFile = folder.appending(path: "template.key")
            _ = try TemplateVault.loadOrCreate(keyFile: keyFile, environment: [:])
            #expect(try Self.mode(keyFile.path) == 0o600)
            let database = folder.appending(path: "ledger.sqlite").path
            _ = try AppDatabase(path: database)
            #expect(try Self.mode(database) == 0o600)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".new-") }
            #expect(leftovers.isEmpty, "no temporary key file is left behind: \(leftovers)")
        }
    }

    @Test("a key file that cannot be read as a key is an error naming it, never overwritten; a folder in its place too")
    func neverOverwritten() async throws {
        try await Self.withFolder { folder in
            let keyFile = folder.appending(path: "template.key")
            let garbage = Data([0xFF, 0xFE, 0x00, 0x41])
            try garbage.write(to: keyFile)
            do {
                _ = try TemplateVault.loadOrCreate(keyFile: keyFile, environment: [:])
                Issue.record("a non-text key file was accepted")
            } catch let error as StorageError {
                #expect(error.code == .templateKey && error.message.contains(keyFile.path), "\(error.message)")
            }
            #expect(try Data(contentsOf: keyFile) == garbage, "the file is untouched")
            let folderKey = folder.appending(path: "folder.key")
            try FileManager.default.createDirectory(at: folderKey, withIntermediateDirectories: false)
            #expect(throws: StorageError.self) { try TemplateVault.loadOrCreate(keyFile: folderKey, environment: [:]) }
        }
    }

    @Test("a key file others may read is refused, naming the fix; made private, the same file opens")
    func exposedKeyRefused() async throws {
        try await Self.withFolder { folder in
            let keyFile = folder.appending(path: "template.key")
            let original = try TemplateVault.loadOrCreate(keyFile: keyFile, environment: [:])
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile.path)
            do {
                _ = try TemplateVault.loadOrCreate(keyFile: keyFile, environment: [:])
                Issue.record("a key file readable by others was used")
            } catch let error as StorageError {
                #expect(error.code == .templateKey && error.message.contains("chmod 600 \(keyFile.path)"), "\(error.message)")
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
            let person = try ResidentID(ResidentID.completing("37020219400315001")!.value)
            let reopened = try TemplateVault.loadOrCreate(keyFile: keyFile, environment: [:])
            #expect(try reopened.open(try original.seal([[1, 2]], for: person), for: person) == [[1, 2]])
        }
    }

    @Test("two processes creating the key at once end with one key: the second reads the first's")
    func createdOnce() async throws {
        try await Self.withFolder { folder in
            let keyFile = folder.appending(path: "template.key")
            let vaults = await withTaskGroup(of: TemplateVault?.self) { group in
                for _ in 0..<8 { group.addTask { try? TemplateVault.loadOrCreate(keyFile: keyFile, environment: [:]) } }
                return await group.reduce(into: [TemplateVault?]()) { $0.append($1) }
            }
            let person = try ResidentID(ResidentID.completing("37020219400315001")!.value)
            let sealed = try #require(vaults.first ?? nil).seal([[1, 2, 3]], for: person)
            for vault in vaults { #expect(try vault?.open(sealed, for: person) == [[1, 2, 3]]) }
        }
    }

    @Test("checkKey: templates sealed with another key are refused, naming where the key came from; the right key passes")
    func wrongKeyRefused() async throws {
        try await Self.withFolder { folder in
            let database = try AppDatabase(path: folder.appending(path: "ledger.sqlite").path)
            let ledger = LedgerStore(database: database, rules: try LedgerRules.shipped())
            _ = try await ledger.importUnits(csv: LedgerStoreTests.units)
            _ = try await ledger.importPersons(csv: LedgerStoreTests.persons, today: Day("2025-06-01")!)
            let keyFile = folder.appending(path: "template.key")
            let right = try TemplateVault.loadOrCreate(keyFile: keyFile, environment: [:])
            try await ServiceStore(ledger: ledger, vault: right).templates.checkKey()  // nothing enrolled: any key
            try await ServiceStore(ledger: ledger, vault: right).templates.saveTemplate(
                [[Float](repeating: 0.1, count: 128)], for: ResidentID(LedgerStoreTests.wang), by: "test")
            try await ServiceStore(ledger: ledger, vault: right).templates.checkKey()
            let other = try TemplateVault.loadOrCreate(keyFile: folder.appending(path: "other.key"), environment: [:])
            do {
                try await ServiceStore(ledger: ledger, vault: other).templates.checkKey()
                Issue.record("a key that opens no template was accepted")
            } catch let error as StorageError {
                #expect(error.code == .templateKey && error.message.contains("other.key"), "\(error.message)")
            }
        }
    }
}
