import ArgumentParser
import Certification
import Dispatch
import FaceEngine
import Foundation
import Ledger
import Storage
import Synchronization

/// `fastcert enroll PERSON_ID PHOTO...` or `fastcert enroll --batch FILE_OR_FOLDER`: reference
/// photos checked exactly as the service checks them, searched among every enrolled face, stored
/// on the local database or sent to a FastCert service (`--server`, `--key`).
struct EnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Enroll reference photos for one person, or a batch, locally or through the service.",
        discussion: """
            Each photo is checked (one face, size, sharpness, exposure, pose) and reported accepted or rejected with the \
            reason; the accepted ones (they must show one person) become the person's template. The face is compared with \
            every enrolled template: a match under another resident ID is not enrolled but reported (duplicate_identity) \
            for an operator to resolve (--allow-duplicate enrolls it anyway, recorded).

            --batch takes a CSV (person_id,photo_path; paths relative to the file) or a folder of PERSON_ID/ folders of \
            JPEG/PNG photos, runs on every worker, shows progress, and writes every photo not enrolled with its reason to \
            --report. Each person is stored before being reported; running the same batch again skips persons already \
            enrolled from the same photos (SHA-256 of the files), so an interrupted batch is resumed by running it again.

            Locally the template key is --template-key-file, else $FASTCERT_TEMPLATE_KEY, else <database>.template-key, \
            as `fastcert serve` uses. With --server (or $FASTCERT_SERVER) and --key (or $FASTCERT_KEY, an operator key) \
            the service's enrollment route does the work; the output is the same.

            Exits 0 when every person is enrolled (or skipped, or would be on --dry-run), 4 when any is not, 130 when \
            interrupted.
            """)

    @Argument(
        help: ArgumentHelp("The person's resident ID, then their photos (JPEG or PNG); not with --batch.", valueName: "person-id photo"))
    var arguments: [String] = []
    @Option(help: ArgumentHelp("A CSV (person_id,photo_path) or a folder of PERSON_ID/ photo folders.", valueName: "file-or-folder"))
    var batch: String?
    @Option(help: ArgumentHelp("Where --batch writes every photo not enrolled, and why.", valueName: "file.csv"))
    var report = "enroll-report.csv"
    @Flag(help: "Replace the template of persons already enrolled.") var replace = false
    @Flag(help: "Check and report without storing anything.") var dryRun = false
    @Flag(help: "Enroll even when the face matches another person's (after an operator has resolved the report).")
    var allowDuplicate = false
    @Option(help: ArgumentHelp("A FastCert service to enroll through (default: $FASTCERT_SERVER).", valueName: "url")) var server: String?
    @Option(help: ArgumentHelp("An operator API key for --server (default: $FASTCERT_KEY).", valueName: "key")) var key: String?
    @Option(help: ArgumentHelp("The template key file (local).", valueName: "file")) var templateKeyFile: String?
    @Option(help: "Largest face distance between the photos of one person (local).") var matchThreshold = FaceEngineConfiguration
        .defaultMatchThreshold
    @Option(help: "Largest face distance between two persons reported as one identity (local).")
    var duplicateThreshold = Enroller.defaultDuplicateThreshold
    @Option(help: ArgumentHelp("Who consented to the processing of the face (PIPL): person or guardian. Required.", valueName: "who"))
    var consentBy: String?
    @Option(help: ArgumentHelp("The guardian's name, when a guardian consented.", valueName: "name")) var guardian: String?
    @Option(help: ArgumentHelp("The purpose consented to (default: pension proof of life).", valueName: "text")) var purpose: String?
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var engineOptions: EngineOptions

    /// Who enrolls from this command line, as recorded: the system account (``ActorID``), from
    /// the operating system, not the environment.
    static var operatorName: String { ActorID.systemAccount.description }

    func validate() throws {
        if batch != nil {
            guard arguments.isEmpty else { throw ValidationError("give either --batch or PERSON_ID PHOTO..., not both") }
        } else {
            guard arguments.count >= 2 else { throw ValidationError("name a person and at least one photo, or use --batch") }
            guard arguments.count <= 21 else { throw ValidationError("enroll at most 20 photos at once") }
        }
    }

    func run() async throws {
        try await reportingFailures {
            let jobs: [EnrollmentJob]
            if let batch {
                jobs = try EnrollmentBatch.read(batch)
            } else {
                jobs = [EnrollmentJob(personText: arguments[0], photos: Array(arguments.dropFirst()))]
            }
            let report = try EnrollmentReport(path: batch == nil ? nil : self.report)
            let backend = try await openBackend()
            let runner = EnrollmentRunner(
                backend: backend,
                options: .init(
                    replace: replace, dryRun: dryRun, allowDuplicate: allowDuplicate, actor: Self.operatorName,
                    maxBytes: engineOptions.maxBytes, single: batch == nil))
            let interrupt = Self.onInterrupt { runner.stop.store(true, ordering: .relaxed) }
            defer { interrupt.cancel() }
            let started = ContinuousClock.now
            let summary = await runner.run(jobs, report: report)
            report.close()
            await backend.shutdown()
            if batch != nil {
                EnrollmentRunner.printSummary(
                    summary, seconds: (ContinuousClock.now - started).inSeconds,
                    reportPath: self.report)
            } else if let advice = EnrollmentRunner.onePhotoAdvice(summary) {
                print(advice)
            }
            if let fatal = summary.fatal { throw CommandFailure.input(fatal) }
            if summary.interrupted { throw ExitCode(130) }
            if summary.succeeded < summary.persons {
                if batch == nil { throw ExitCode(4) }
                throw CommandFailure.input("\(summary.persons - summary.succeeded) person(s) not enrolled: see \(self.report)")
            }
        }
    }

    /// The local database and engine, or the service named by --server / $FASTCERT_SERVER.
    func openBackend() async throws -> any EnrollmentBackend {
        let consent: ConsentInput
        do throws(LedgerError) {
            consent = try ConsentInput.parse(by: consentBy, guardian: guardian, purpose: purpose)
        } catch {
            throw CommandFailure.input(
                "\(error.message.replacingOccurrences(of: "consent_by=", with: "--consent-by ")) [\(error.code.rawValue)]")
        }
        if var remote = try RemoteEnrollment.named(server: server, key: key, concurrency: engineOptions.workers ?? 2) {
            remote.consent = consent
            return remote
        }
        var local = try await Self.localBackend(
            ledger: ledger, templateKeyFile: templateKeyFile, engineOptions: engineOptions, matchThreshold: matchThreshold,
            duplicateThreshold: duplicateThreshold, withEngine: true)
        local.consent = consent
        return local
    }

    static func localBackend(
        ledger: LedgerOptions, templateKeyFile: String?, engineOptions: EngineOptions, matchThreshold: Double, duplicateThreshold: Double,
        withEngine: Bool
    ) async throws -> LocalEnrollment {
        let vault: TemplateVault
        do {
            let enrolled = try await ledger.open().enrollment.enrolledCount()
            vault = try TemplateVault.loadOrCreate(
                keyFile: URL(filePath: templateKeyFile ?? ledger.databasePath + ".template-key"), mayCreate: enrolled == 0)
        } catch let error as StorageError {
            throw CommandFailure.input(error.message)
        }
        let store = try ledger.open(vault: vault)
        do {
            try await store.enrollment.checkKey(sample: 64)
        } catch let error as StorageError {
            throw CommandFailure.input(error.message)
        }
        let engine = withEngine ? try await engineOptions.startEngine() : nil
        // An engine is only needed to enroll; list, show and delete never start one.
        let enroller = Enroller(
            store: store.enrollment, coordinator: store.coordinator, engine: engine, matchThreshold: matchThreshold,
            duplicateThreshold: duplicateThreshold)
        if withEngine {
            // The duplicate check needs every enrolled template: none may be unreadable.
            let loaded = try await enroller.load()
            if loaded.unreadable > 0 {
                engine?.shutdown()
                throw CommandFailure.input(
                    "\(loaded.unreadable) of \(loaded.unreadable + loaded.templates) enrolled templates cannot be opened with the template key from \(vault.source) (wrong key file? --template-key-file): the duplicate check cannot see them, so nothing is enrolled"
                )
            }
        }
        return LocalEnrollment(store: store, enroller: enroller, engine: engine, concurrency: engine?.configuration.workers ?? 1)
    }

    /// Runs `body` on the first Ctrl-C (finish what is in progress, start nothing new); a second
    /// Ctrl-C exits at once (every reported enrollment is already stored).
    static func onInterrupt(_ body: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let count = Mutex(0)
        source.setEventHandler {
            let n = count.withLock { n in
                n += 1
                return n
            }
            if n > 1 { Foundation.exit(130) }
            FileHandle.standardError.write(Data("\nstopping after the enrollments in progress (Ctrl-C again to quit now)\n".utf8))
            body()
        }
        source.resume()
        return source
    }
}
