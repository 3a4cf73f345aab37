import Foundation
import Server
import Testing

/// The service decides under the rules in force in the database: a rules file in its settings is
/// refused, saying how rules change now, rather than ignored.
@Suite("The rules setting is gone")
struct RulesSettingTests {
    @Test("FASTCERT_RULES or \"rules\" in the configuration file: the configuration is refused, naming fastcert rules propose")
    func refused() throws {
        #expect(throws: Never.self) { try ServerConfiguration.load(file: nil, environment: [:]) }
        do {
            _ = try ServerConfiguration.load(file: nil, environment: ["FASTCERT_RULES": "/tmp/edited-rules.json"])
            Issue.record("a rules file was accepted")
        } catch let error as ConfigurationError {
            #expect(error.description.contains("fastcert rules propose"), "\(error)")
        }
    }
}
