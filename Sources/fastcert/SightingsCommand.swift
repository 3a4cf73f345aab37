import ArgumentParser
import Certification
import FaceEngine
import Foundation
import Ledger
import Storage

/// `fastcert sightings import MANIFEST`: a gateway's captures from files, decided by the local
/// engine exactly as `POST /v1/sightings` decides them (docs/sightings.md).
struct SightingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sightings", abstract: "Cameras' sightings of card holders where their card was used.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide and record sightings listed in a manifest (NDJSON), with a camera key.",
            discussion: """
                The manifest has one JSON object a line: {"person_id", "capture_id", "captured_at" (ISO 8601 with its \
                offset), "site" and "unit" (optional: the key's name and unit), "stills": ["file.jpg", ...] (1 to 3, paths \
                relative to the manifest, or absolute)}. Each line is decided on its own by the local engine against the card holder's \
                template: confirmed, other_face or no_decision, or refused with a code; a capture id already recorded at the \
                site returns its first answer. Needs a camera key (--key-file or $FASTCERT_KEY). Prints one tab-separated \
                line per sighting: line, capture id, outcome or error code, reason. Exit 4 when any line was refused.
                """)

        @Argument(help: ArgumentHelp("The manifest (NDJSON).", valueName: "manifest")) var manifest: String
        @Option(help: ArgumentHelp("The template key file.", valueName: "file")) var templateKeyFile: String?
        @Option(help: "Largest distance that confirms the card holder (default: the verification threshold).")
        var confirmThreshold = FaceEngineConfiguration.defaultMatchThreshold
        @Option(help: "Smallest distance, on a good face, that is another person's.")
        var otherFaceThreshold = SightingService.Policy.defaultOtherFaceThreshold
        @Option(help: "A passive score under this is a screen or a print.")
        var passiveAttackBelow = SightingService.Policy.defaultPassiveAttackBelow
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions
        @OptionGroup var engineOptions: EngineOptions

        struct Line: Decodable {
            var person_id: String
            var capture_id: String
            var captured_at: String
            var site: String?
            var unit: String?
            var stills: [String]
        }

        func validate() throws {
            guard confirmThreshold > 0, otherFaceThreshold > confirmThreshold else {
                throw ValidationError("--other-face-threshold must be above --confirm-threshold, and both above 0")
            }
        }

        func run() async throws {
            try await reportingFailures {
                let text = String(decoding: try readInput(manifest), as: UTF8.self)
                let folder = URL(filePath: manifest).deletingLastPathComponent()
                let vault: TemplateVault
                do {
                    vault = try TemplateVault.loadOrCreate(
                        keyFile: URL(filePath: templateKeyFile ?? ledger.databasePath + ".template-key"), mayCreate: false)
                } catch let error as StorageError {
                    throw CommandFailure.input(error.message)
                }
                let stores = try ledger.open(vault: vault)
                let acting = try await key.acting(stores, roles: [.camera], to: "send sightings")
                guard let camera = acting.key, let store = stores.sightings else {
                    throw CommandFailure.input(
                        "sightings are sent with a camera key (--key-file or $\(KeyOptions.variable)) [forbidden_role]")
                }
                let engine = try await engineOptions.startEngine()
                defer { engine.shutdown() }
                let service = SightingService(
                    store: store, engine: engine,
                    policy: .init(
                        confirmThreshold: confirmThreshold, otherFaceThreshold: otherFaceThreshold, passiveAttackBelow: passiveAttackBelow),
                    rules: SightingRules.current(stores.rules), unitPath: { try await stores.queries.unitPath($0) })
                var refused = 0
                var outcomes: [String: Int] = [:]
                for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let lineText = raw.trimmingCharacters(in: .whitespaces)
                    guard !lineText.isEmpty else { continue }
                    let number = index + 1
                    do {
                        let line = try JSONDecoder().decode(Line.self, from: Data(lineText.utf8))
                        let stills = try line.stills.map { path in
                            // Relative to the manifest; an absolute path as it is.
                            let file = path.hasPrefix("/") ? path : folder.appending(path: path).path
                            guard let data = FileManager.default.contents(atPath: file) else {
                                throw SightingService.Refusal(code: "invalid_stills", message: "cannot read still \(path)")
                            }
                            return data
                        }
                        let answer = try await service.submit(
                            .init(
                                person: try ResidentID(line.person_id), captureID: line.capture_id, capturedAt: line.captured_at,
                                site: line.site, unit: line.unit, stills: stills), key: camera)
                        outcomes[answer.outcome.rawValue, default: 0] += 1
                        print(
                            "\(number)\t\(line.capture_id)\t\(answer.outcome.rawValue)\t\(answer.reason)\(answer.replayed ? "\treplayed" : "")"
                        )
                    } catch {
                        refused += 1
                        let (code, message) = Self.describe(error)
                        print("\(number)\t-\t\(code)\t\(message)")
                    }
                }
                let summary = Sighting.Outcome.allCases.map { "\(outcomes[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
                FileHandle.standardError.write(Data("sightings: \(summary), \(refused) refused\n".utf8))
                if refused > 0 { throw ExitCode(4) }
            }
        }

        /// A refused line's code and words.
        static func describe(_ error: any Error) -> (String, String) {
            switch error {
            case let error as SightingService.Refusal: (error.code, error.message)
            case let error as LedgerError: (error.code.rawValue, error.message)
            case let error as CertificationError: (error.code.rawValue, error.message)
            case let error as FaceEngineError: (error.code, error.message)
            case is DecodingError: ("invalid_json", "not a sighting object (see fastcert sightings import --help)")
            default: ("error", String(describing: error))
            }
        }
    }
}
