import ArgumentParser
import FaceEngine
import Foundation
import Ledger
import Server
import Storage

/// `fastcert enroll PERSON_ID PHOTO... [--replace] [--dry-run]`: reference photos for one person,
/// on the local database, checked exactly as the service checks them.
struct EnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Enroll reference photos for a person on the local database.",
        discussion: """
            Each photo is checked (one face, size, sharpness, exposure, pose) and reported accepted or rejected with the
            reason; the accepted ones (they must show one person) become the person's template, sealed with the template key
            (--template-key-file, else $FASTCERT_TEMPLATE_KEY, else <database>.template-key, as `fastcert serve` uses).
            Exits 0 when enrolled (or, with --dry-run, when it would be), 4 when nothing could be enrolled.
            """)

    @Argument(help: "The person's resident ID.") var personID: String
    @Argument(help: ArgumentHelp("Reference photos (JPEG or PNG).", valueName: "photo")) var photos: [String]
    @Flag(help: "Replace the person's template when they are already enrolled.") var replace = false
    @Flag(help: "Check and report without storing anything.") var dryRun = false
    @Option(help: ArgumentHelp("The template key file.", valueName: "file")) var templateKeyFile: String?
    @Option(help: "Largest face distance between the photos of one person.") var matchThreshold = FaceEngineConfiguration
        .defaultMatchThreshold
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var engineOptions: EngineOptions

    func validate() throws {
        guard !photos.isEmpty else { throw ValidationError("name at least one photo") }
        guard photos.count <= 20 else { throw ValidationError("enroll at most 20 photos at once") }
    }

    func run() async throws {
        try await reportingFailures {
            let id: ResidentID
            do throws(LedgerError) { id = try ResidentID(personID) } catch { throw CommandFailure.input(error.message) }
            let vault: TemplateVault
            do throws(LedgerError) {
                vault = try TemplateVault.loadOrCreate(keyFile: URL(filePath: templateKeyFile ?? ledger.databasePath + ".template-key"))
            } catch {
                throw CommandFailure.input(error.message)
            }
            let store = ServiceStore(ledger: try ledger.open(), vault: vault)
            let found: ServiceStore.PersonRecord?
            do throws(LedgerError) { found = try await store.person(id) } catch { throw CommandFailure.input(error.message) }
            guard let person = found else { throw CommandFailure.input("no person \(id) in the ledger") }
            if person.templatePhotos > 0 && !replace && !dryRun {
                throw CommandFailure.input("\(id) is already enrolled (\(person.templatePhotos) photos); add --replace to re-enroll")
            }
            let engine = try await engineOptions.startEngine()
            var images: [Data] = []
            for path in photos {
                guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure.input("cannot read \(path)") }
                images.append(data)
            }
            let outcome: EnrollmentCheck.Outcome
            do throws(FaceEngineError) {
                outcome = try await EnrollmentCheck(engine: engine, matchThreshold: matchThreshold).evaluate(images)
            } catch {
                throw CommandFailure.engine(error, subject: nil)
            }
            for result in outcome.results {
                let verdict = result.accepted ? "accepted" : "rejected: " + result.reasons.joined(separator: "; ")
                print("\(photos[result.index]): \(verdict)")
            }
            if let (first, second) = outcome.disagreeing {
                throw CommandFailure.input(
                    "\(photos[first]) and \(photos[second]) do not show the same person; enroll photos of one person only")
            }
            guard !outcome.accepted.isEmpty else { throw CommandFailure.input("no photo was good enough to enroll \(id)") }
            if dryRun {
                print("dry run: would enroll \(outcome.accepted.count) reference photo(s) for \(id)")
                return
            }
            let operatorName = ProcessInfo.processInfo.environment["USER"] ?? "operator"
            do throws(LedgerError) {
                try await store.saveTemplate(outcome.accepted.map(\.embedding.values), for: id, by: "cli:\(operatorName)")
            } catch {
                throw CommandFailure.input(error.message)
            }
            print("enrolled \(outcome.accepted.count) reference photo(s) for \(id)")
        }
    }
}
