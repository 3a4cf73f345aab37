import ArgumentParser
import AsyncHTTPClient
import FaceEngine
import Foundation
import Hummingbird
import Ledger
import Logging
import Server
import ServiceLifecycle
import Storage

/// `fastcert serve`: the HTTP service for kiosks, the mobile backend, departments' feeds and
/// operators, on the embedded SQLite ledger.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP service (routes in /openapi.yaml).",
        discussion: """
            Settings come from the defaults, then --config FILE (JSON, the keys of ServerConfiguration), then FASTCERT_*
            environment variables (FASTCERT_HOST, FASTCERT_PORT, FASTCERT_DATABASE, FASTCERT_MODELS, FASTCERT_WORKERS,
            FASTCERT_MAX_BODY_BYTES, FASTCERT_MATCH_THRESHOLD, FASTCERT_LOG_LEVEL, ...), then these flags. SIGTERM or
            SIGINT stops taking connections and finishes the requests in flight. Logs are JSON lines on standard error.
            With a notice webhook (FASTCERT_NOTICE_WEBHOOK and FASTCERT_NOTICE_SECRET_FILE, or the flags) the service
            also delivers the outbox to it, as `fastcert outbox send` does (docs/notices.md).
            """)

    @Option(help: ArgumentHelp("A JSON configuration file.", valueName: "file")) var config: String?
    @Option(help: "Address to listen on.") var host: String?
    @Option(help: "Port to listen on (0: any free port, printed at start).") var port: Int?
    @Option(help: ArgumentHelp("The ledger's SQLite file.", valueName: "path")) var database: String?
    @Option(help: ArgumentHelp("Folder with the dlib models.", valueName: "dir")) var models: String?
    /// Gone: the service decides under the rules in force in the database.
    @Option(help: .hidden) var rules: String?
    @Option(help: "Face-engine worker threads.") var workers: Int?
    @Option(help: "Largest request body, in bytes.") var maxBodyBytes: Int?
    @Option(help: "Largest face distance accepted as a match (overrides --calibration).") var matchThreshold: Double?
    @Option(help: ArgumentHelp("A calibration file from `fastcert calibrate`: its threshold (and cohort rule).", valueName: "file"))
    var calibration: String?
    @Flag(help: "Embed each face with its mirror image averaged in: fewer people turned away, ~14 ms more a face.")
    var mirrorEmbedding = false
    @Flag(help: "Do not search a still photo in which HOG finds no face once more with the CNN detector (~0.3 s of a worker each).")
    var noCnnFallback = false
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String?
    @Option(help: ArgumentHelp("Deliver the outbox to this SMS/WeChat gateway webhook.", valueName: "url")) var noticeWebhook: String?
    @Option(help: ArgumentHelp("The file holding the webhook's signing secret.", valueName: "file")) var noticeSecretFile: String?

    func run() async throws {
        var settings: ServerConfiguration
        do {
            settings = try ServerConfiguration.load(file: config)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        if let host { settings.host = host }
        if let port { settings.port = port }
        if let database { settings.database = database }
        if let rules { settings.rules = rules }
        if let workers { settings.workers = workers }
        if let maxBodyBytes { settings.maxBodyBytes = maxBodyBytes }
        // --calibration replaces a calibration file named elsewhere; --match-threshold overrides both.
        if let calibration {
            settings.calibration = calibration
            do { try settings.applyCalibration() } catch let error as ConfigurationError { throw ValidationError(error.description) }
        }
        if let matchThreshold { settings.setMatchThreshold(matchThreshold, from: "--match-threshold") }
        if let logLevel { settings.logLevel = logLevel }
        if mirrorEmbedding { settings.mirrorEmbedding = true }
        if noCnnFallback { settings.cnnFallback = false }
        if let noticeWebhook { settings.noticeWebhook = noticeWebhook }
        if let noticeSecretFile { settings.noticeSecretFile = noticeSecretFile }
        // The flag, then FASTCERT_MODELS or the file (applied by load), then the folder found beside the checkout.
        if let models { settings.models = models }
        let modelDirectory = try settings.models.map { URL(filePath: $0) } ?? EngineOptions.parse([]).modelDirectory()
        do { try settings.validate() } catch let error as ConfigurationError { throw ValidationError(error.description) }
        guard let level = Logger.Level(rawValue: settings.logLevel) else {
            throw ValidationError("log level must be one of trace, debug, info, notice, warning, error, critical")
        }
        let options = try LedgerOptions.parse(["--database", settings.database])
        let stores: Stores
        let ledgerStore: LedgerStore
        do {
            // One open of the database: its enrolled count says whether a new template key may be
            // made (none when templates exist: they would be sealed under another key). The rules
            // are those in force at start; a change approved while it runs applies from the next
            // daily sweep, and to the routes from the next start.
            let ledger = try options.openLedger()
            ledgerStore = ledger
            let enrolled = try await LedgerOptions.stores(ledger: ledger, vault: nil).enrollment.enrolledCount()
            let vault = try TemplateVault.loadOrCreate(keyFile: URL(filePath: settings.templateKeyPath), mayCreate: enrolled == 0)
            stores = LedgerOptions.stores(ledger: ledger, vault: vault)
            // Templates sealed with another key: refuse to start (every verification would fail, and the
            // duplicate search would not see them).
            try await stores.enrollment.checkKey(sample: 64)
        } catch let error as StorageError {
            throw CommandFailure.input(error.message)
        }
        let engine: FaceEngine
        do {
            engine = try await FaceEngine.start(configuration: settings.engineConfiguration(modelDirectory: modelDirectory))
        } catch {
            throw CommandFailure.engine(error, subject: nil)
        }
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "fastcert")
        logger.info(
            "match threshold",
            metadata: [
                "threshold": "\(settings.matchThreshold)", "source": "\(settings.thresholdSource)", "embedding": "\(settings.embedding)",
            ])
        if let cohort = settings.cohort {
            logger.info(
                "cohort rule: a verification matches when its cohort-normalized score is within the threshold; by distance until the cohort is full",
                metadata: [
                    "cohort_threshold": "\(cohort.threshold)", "nearest": "\(cohort.normalization.size)",
                    "ceiling": "\(cohort.normalization.ceiling)", "members_needed": "\(cohort.members)",
                ])
        }
        if let embedding = settings.calibratedEmbedding, !settings.calibrationMatchesEmbedding {
            logger.warning(
                "the calibration file was measured with other engine options than the service runs with: its threshold may not hold",
                metadata: ["calibrated_with": "\(embedding)", "service": "\(settings.embedding)"])
        }
        if let challenges = settings.testChallenges {
            logger.critical(
                "FASTCERT_TEST_CHALLENGES is set: every liveness session asks for the same challenges (\(challenges)); for tests only, never in production"
            )
        }
        var services: [any Service] = []
        if let webhook = settings.noticeWebhook, let secretFile = settings.noticeSecretFile {
            var configuration = try NoticeSender.configuration(webhook: webhook, secretFile: secretFile)
            configuration.maxAttempts = settings.noticeMaxAttempts
            if let problem = configuration.problem { throw ValidationError(problem) }
            let sender = NoticeSender(
                store: ledgerStore, client: HTTPClient(eventLoopGroupProvider: .singleton), configuration: configuration,
                logger: Logger(label: "fastcert.notices"))
            services.append(NoticeSenderService(sender: sender))
            logger.info("notice sender on", metadata: ["webhook": "\(configuration.webhook.host ?? "")"])
        }
        let app = buildApplication(
            configuration: settings, stores: stores, engine: engine, logger: logger, services: services)
        try await app.runService()
        engine.shutdown()
    }
}
