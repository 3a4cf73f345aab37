import Certification
import FaceEngine
import Foundation
import Ledger
import Liveness

/// Everything `fastcert serve` can be told, from (lowest to highest precedence) the defaults, an
/// optional JSON file, `FASTCERT_*` environment variables and command-line flags.
public struct ServerConfiguration: Sendable, Equatable, Codable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The SQLite file (created and migrated on start).
    public var database = "fastcert.sqlite"
    /// The folder holding the three dlib models (`models/fetch.sh` fills it); nil: `./models`, else
    /// the `models/` folder of the checkout that built the binary.
    public var models: String?
    /// Gone: the rules in force are kept in the database (`fastcert rules`). Still read from a
    /// configuration file, `FASTCERT_RULES` or `--rules` only so that ``validate()`` refuses it
    /// with how rules change now, rather than the service starting on other rules than asked.
    public var rules: String?
    /// The 256-bit key that seals face templates; nil: `<database>.template-key`, created on first start.
    public var templateKeyFile: String?
    /// Native face-engine threads.
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// Images waiting for the engine beyond which requests get 503 with Retry-After.
    public var engineQueue = 16
    /// Heavy reads (the units' monthly figures, CSV exports) running at once, and waiting beyond
    /// them; past both, 503 `heavy_reads_busy` with Retry-After. Two of GRDB's five pooled
    /// readers at most, so kiosks, workers and the sweep always find one.
    public var heavyReads = 2
    public var heavyReadQueue = 16
    /// Largest request body accepted, in bytes (413 above it).
    public var maxBodyBytes = 10 << 20
    /// Largest image accepted, in pixels (the header is checked before decoding).
    public var maxPixels = 50_000_000
    /// Requests still running after this many seconds are answered 503 at once (the work left
    /// behind is cancelled, and bounded by the engine's queue).
    public var requestTimeoutSeconds = 30.0
    /// A request's body must arrive within this many seconds (408 after).
    public var bodyTimeoutSeconds = 20.0
    /// A connection that sends nothing for this many seconds (mid-request or between requests) is closed.
    public var idleTimeoutSeconds = 15.0
    /// A connection's first request head (request line and headers) must be complete within this
    /// many seconds of its opening (a client trickling its headers holds a connection this long);
    /// a later head within the idle timeout of the previous response. The connection is closed after.
    public var headerTimeoutSeconds = 5.0
    /// Open connections at most, half-open ones (a head not yet complete) included; further ones
    /// wait in the listen backlog until one closes.
    public var maxConnections = 512
    /// Open connections from one client address at most (an IPv6 client by its /64): a further
    /// one is closed at once, so one address cannot take every connection. A kiosk gateway that
    /// puts many devices behind one address needs a larger value.
    public var maxConnectionsPerAddress = 64
    /// Client addresses the per-address share does not apply to: a reverse proxy in front of the
    /// service (TLS, docs/http-api.md) brings every client from its own address. Loopback by
    /// default, where such a proxy usually runs; a proxy on another host is named here.
    public var connectionShareExempt = ["127.0.0.1", "::1"]
    /// Liveness sessions one device key may open in a minute, and may hold open (issued, neither
    /// used nor expired) at once: a kiosk needs one at a time; more are refused (429).
    public var livenessSessionsPerMinute = 20
    public var openLivenessSessionsPerDevice = 4
    /// Liveness sessions one key may open in a minute across all the devices it names (the mobile
    /// backend's key names the phone in a header): a leaked key cannot fill the table.
    public var livenessSessionsPerKeyPerMinute = 600
    /// Pixel budgets of a liveness verification: each frame (1920x1080 fits), and all frames
    /// together (30 frames of 1280x720 fit), read from the images' headers before any decoding.
    public var maxFramePixels = 2_100_000
    public var maxRequestPixels = 28_000_000
    /// Largest face distance accepted as the same person (docs/calibration.md): given explicitly (the
    /// file, `FASTCERT_MATCH_THRESHOLD`, `--match-threshold`), else from the calibration file, else 0.55.
    public var matchThreshold = FaceEngineConfiguration.defaultMatchThreshold
    /// A calibration file written by `fastcert calibrate` (`FASTCERT_CALIBRATION`, `--calibration`):
    /// its threshold applies unless one is given explicitly.
    public var calibration: String?
    /// Embed each face as the mean of its chip and the chip's mirror image (`FASTCERT_MIRROR_EMBEDDING`,
    /// `--mirror-embedding`): fewer genuine people turned away at the same false-match rate, ~14 ms
    /// more a face (docs/calibration.md). Templates enrolled either way still compare.
    public var mirrorEmbedding = false
    /// A still photo (an enrollment photo, an attended desk's, a camera's sighting) in which the HOG
    /// detector finds no face is searched once more by the CNN detector (`FASTCERT_CNN_FALLBACK`,
    /// `--no-cnn-fallback` to turn it off): on lfw-devtrain no photo is left without a face, at
    /// ~0.3 s of a worker for each photo HOG missed; video frames never (docs/calibration.md).
    public var cnnFallback = true
    /// Where the match threshold came from, for the start-up log.
    public var thresholdSource = ThresholdSource.standard
    /// The cohort rule of a calibration file made by people with `--cohort`: verifications are
    /// decided by the cohort-normalized score once the service's cohort of enrolled people is as
    /// large as the calibration's, by `matchThreshold` (the file's distance threshold) until then.
    /// Nil with an explicit threshold (which decides by distance alone) or a distance calibration.
    public var cohort: CohortPolicy?

    /// Where the match threshold came from.
    public enum ThresholdSource: Sendable, Equatable, Codable, CustomStringConvertible {
        /// The built-in default.
        case standard
        /// Given explicitly: the configuration file, `FASTCERT_MATCH_THRESHOLD` or `--match-threshold`.
        case explicit(String)
        /// A calibration file's.
        case calibration(file: String, Calibration)

        public var description: String {
            switch self {
            case .standard: "default"
            case .explicit(let place): place
            case .calibration(let file, let c):
                "the calibration file \(file) (target FMR \(c.targetFMR) shown on \(c.impostorPairs) impostor pairs, \(c.embedding))"
            }
        }
    }

    /// The engine options the calibration file was measured with.
    public var calibratedEmbedding: String? {
        if case .calibration(_, let calibration) = thresholdSource { return calibration.embedding }
        return nil
    }
    /// The face engine's configuration for the service (HOG, the CNN on stills HOG finds no face
    /// in; the mirror when asked for).
    public func engineConfiguration(modelDirectory: URL) -> FaceEngineConfiguration {
        var configuration = FaceEngineConfiguration(
            modelDirectory: modelDirectory, workers: workers, maxBytes: maxBodyBytes, maxPixels: maxPixels, queueCapacity: engineQueue)
        configuration.mirrorEmbedding = mirrorEmbedding
        configuration.cnnFallback = cnnFallback
        return configuration
    }
    /// The embedding options the service runs with, named as a calibration file names them.
    public var embedding: String {
        FaceEngineConfiguration.embeddingOptions(detector: .hog, mirror: mirrorEmbedding, cnnFallback: cnnFallback)
    }
    /// Whether the calibration file's embeddings were made as the service makes them (the CNN
    /// fallback only decides which photos have a face, not their embeddings).
    public var calibrationMatchesEmbedding: Bool {
        guard let calibratedEmbedding else { return true }
        func options(_ text: String) -> Set<Substring> { Set(text.split(separator: ",")).subtracting(["cnn-fallback"]) }
        return options(calibratedEmbedding) == options(embedding)
    }
    /// Largest face distance between two persons' templates reported as one identity at enrollment.
    public var duplicateThreshold = Enroller.defaultDuplicateThreshold
    /// Photos accepted in one enrollment request.
    public var maxPhotosPerEnrollment = 20
    /// Consecutive failed verifications (per person, per device) that lock further attempts.
    public var lockoutFailures = 5
    /// The first lockout, in seconds; it doubles with each further failure.
    public var lockoutSeconds = 30.0
    /// Signed kiosk requests: the allowed clock difference, in seconds.
    public var signatureWindowSeconds = 300
    /// Match-only verification (no liveness), for operator-attended desks only; recorded as such.
    public var allowMatchOnly = false
    /// Passive anti-spoofing thresholds for single photos: an attended desk's photo and a
    /// reference photo whose "real" score falls under them are refused (0: recorded only).
    public var deskPassiveAttackBelow = 0.0
    public var enrollmentPassiveAttackBelow = 0.0
    /// Sightings (docs/sightings.md): a camera still's distance at or under this confirms the card
    /// holder (nil: 0.50, calibrated for unattended stills, or the verification threshold in
    /// force when that is stricter; never laxer than it, validation refuses that).
    public var sightingConfirmThreshold: Double?
    /// Sightings: over this distance a face of good quality is another person's (`other_face`):
    /// farther than genuine pairs fall but 1 in 1,000 (issue 30 part C supplies the calibrated value).
    public var sightingOtherFaceThreshold = SightingService.Policy.defaultOtherFaceThreshold
    /// Sightings: a still whose passive score is under this is a screen or a print (`no_decision`,
    /// `presentation_attack`); 0.5 as for liveness frames (the lowest live camera frame measured 0.725).
    public var sightingPassiveAttackBelow = SightingService.Policy.defaultPassiveAttackBelow
    /// The sighting thresholds in force, in one place (the routes and `fastcert sightings import`).
    public var sightingPolicy: SightingService.Policy {
        SightingService.Policy(
            confirmThreshold: sightingConfirmThreshold ?? min(matchThreshold, SightingService.Policy.defaultConfirmThreshold),
            otherFaceThreshold: sightingOtherFaceThreshold,
            passiveAttackBelow: sightingPassiveAttackBelow)
    }
    /// How long a liveness session may be used after it is issued, in seconds.
    public var livenessSessionSeconds = 120
    /// The service sweeps the ledger itself each day (missed days are caught up at start); false:
    /// sweeps are run by `fastcert ledger sweep` instead.
    public var dailySweep = true
    /// The hour (0 to 23, Beijing time) from which the day's sweep runs.
    public var sweepHour = 1
    /// Log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel = "info"
    /// The bureau's SMS/WeChat gateway: `serve` delivers the outbox to this webhook when it is set
    /// (docs/notices.md), signing each request with the secret in `noticeSecretFile`.
    public var noticeWebhook: String?
    public var noticeSecretFile: String?
    /// Tries of a notice before it is dead-lettered.
    public var noticeMaxAttempts = 6
    /// Retention of what the service keeps only to serve requests, pruned after each day's sweep.
    public var retentionSessionDays = Retention().sessionDays
    public var retentionIdempotencyDays = Retention().idempotencyDays
    /// What is kept for good loses its personal parts after these periods (issue 31, docs/privacy.md):
    /// attempts their device, delivered notices their text, evidence rows their payload.
    public var retentionAttemptDays = Retention().attemptDays
    public var retentionNoticeDays = Retention().noticeDays
    public var retentionEvidencePayloadDays = Retention().evidencePayloadDays
    /// Testing only (`FASTCERT_TEST_CHALLENGES=turn_left,turn_left`, from the environment alone):
    /// every liveness session asks for these challenges, so a browser test's fake camera can play a
    /// fixed clip. `serve` warns loudly when it is set; never set it in production.
    public var testChallenges: String?

    var fixedChallenges: [LivenessChallenge]? {
        testChallenges.map { $0.split(separator: ",").compactMap { LivenessChallenge(rawValue: String($0)) } }
    }

    var retention: Retention {
        var retention = Retention()
        retention.sessionDays = retentionSessionDays
        retention.idempotencyDays = retentionIdempotencyDays
        retention.attemptDays = retentionAttemptDays
        retention.noticeDays = retentionNoticeDays
        retention.evidencePayloadDays = retentionEvidencePayloadDays
        return retention
    }

    public init() {}

    /// The defaults, then `file` (JSON with these keys, all optional), then the environment.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> ServerConfiguration
    {
        var configuration = ServerConfiguration()
        if let file {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
                throw ConfigurationError("cannot read the configuration file \(file)")
            }
            do {
                let partial = try JSONDecoder().decode(Partial.self, from: data)
                configuration = partial.applied(to: configuration)
                if partial.matchThreshold != nil { configuration.thresholdSource = .explicit("the configuration file") }
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError("the configuration file \(file) is not valid: \(error)")
            }
        }
        try configuration.apply(environment: environment)
        try configuration.applyCalibration()
        try configuration.validate()
        return configuration
    }

    mutating func apply(environment: [String: String]) throws {
        func value<T: LosslessStringConvertible>(_ name: String, _ keyPath: WritableKeyPath<ServerConfiguration, T>) throws {
            guard let text = environment[name] else { return }
            guard let parsed = T(text) else { throw ConfigurationError("\(name)='\(text)' is not a valid value") }
            self[keyPath: keyPath] = parsed
        }
        try value("FASTCERT_HOST", \.host)
        try value("FASTCERT_PORT", \.port)
        try value("FASTCERT_DATABASE", \.database)
        if let models = environment["FASTCERT_MODELS"], !models.isEmpty { self.models = models }
        try value("FASTCERT_WORKERS", \.workers)
        try value("FASTCERT_ENGINE_QUEUE", \.engineQueue)
        try value("FASTCERT_HEAVY_READS", \.heavyReads)
        try value("FASTCERT_HEAVY_READ_QUEUE", \.heavyReadQueue)
        try value("FASTCERT_MAX_BODY_BYTES", \.maxBodyBytes)
        try value("FASTCERT_MAX_PIXELS", \.maxPixels)
        try value("FASTCERT_REQUEST_TIMEOUT", \.requestTimeoutSeconds)
        try value("FASTCERT_BODY_TIMEOUT", \.bodyTimeoutSeconds)
        try value("FASTCERT_IDLE_TIMEOUT", \.idleTimeoutSeconds)
        try value("FASTCERT_MAX_CONNECTIONS", \.maxConnections)
        try value("FASTCERT_HEADER_TIMEOUT", \.headerTimeoutSeconds)
        try value("FASTCERT_MAX_CONNECTIONS_PER_ADDRESS", \.maxConnectionsPerAddress)
        if let exempt = environment["FASTCERT_CONNECTION_SHARE_EXEMPT"] {
            connectionShareExempt = exempt.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        try value("FASTCERT_LIVENESS_SESSIONS_PER_MINUTE", \.livenessSessionsPerMinute)
        try value("FASTCERT_OPEN_LIVENESS_SESSIONS_PER_DEVICE", \.openLivenessSessionsPerDevice)
        try value("FASTCERT_LIVENESS_SESSIONS_PER_KEY_PER_MINUTE", \.livenessSessionsPerKeyPerMinute)
        try value("FASTCERT_MAX_FRAME_PIXELS", \.maxFramePixels)
        try value("FASTCERT_MAX_REQUEST_PIXELS", \.maxRequestPixels)
        try value("FASTCERT_MATCH_THRESHOLD", \.matchThreshold)
        if environment["FASTCERT_MATCH_THRESHOLD"] != nil { thresholdSource = .explicit("FASTCERT_MATCH_THRESHOLD") }
        if let calibration = environment["FASTCERT_CALIBRATION"], !calibration.isEmpty { self.calibration = calibration }
        try value("FASTCERT_DUPLICATE_THRESHOLD", \.duplicateThreshold)
        try value("FASTCERT_MIRROR_EMBEDDING", \.mirrorEmbedding)
        try value("FASTCERT_CNN_FALLBACK", \.cnnFallback)
        try value("FASTCERT_LOG_LEVEL", \.logLevel)
        try value("FASTCERT_ALLOW_MATCH_ONLY", \.allowMatchOnly)
        try value("FASTCERT_DESK_PASSIVE_ATTACK_BELOW", \.deskPassiveAttackBelow)
        try value("FASTCERT_ENROLLMENT_PASSIVE_ATTACK_BELOW", \.enrollmentPassiveAttackBelow)
        if let text = environment["FASTCERT_SIGHTING_CONFIRM_THRESHOLD"] {
            guard let parsed = Double(text) else { throw ConfigurationError("FASTCERT_SIGHTING_CONFIRM_THRESHOLD must be a number") }
            sightingConfirmThreshold = parsed
        }
        try value("FASTCERT_SIGHTING_OTHER_FACE_THRESHOLD", \.sightingOtherFaceThreshold)
        try value("FASTCERT_SIGHTING_PASSIVE_ATTACK_BELOW", \.sightingPassiveAttackBelow)
        try value("FASTCERT_LIVENESS_SESSION_SECONDS", \.livenessSessionSeconds)
        if let rules = environment["FASTCERT_RULES"] { self.rules = rules }
        try value("FASTCERT_DAILY_SWEEP", \.dailySweep)
        try value("FASTCERT_SWEEP_HOUR", \.sweepHour)
        try value("FASTCERT_RETENTION_SESSION_DAYS", \.retentionSessionDays)
        try value("FASTCERT_RETENTION_IDEMPOTENCY_DAYS", \.retentionIdempotencyDays)
        try value("FASTCERT_RETENTION_ATTEMPT_DAYS", \.retentionAttemptDays)
        try value("FASTCERT_RETENTION_NOTICE_DAYS", \.retentionNoticeDays)
        try value("FASTCERT_RETENTION_EVIDENCE_PAYLOAD_DAYS", \.retentionEvidencePayloadDays)
        if let key = environment["FASTCERT_TEMPLATE_KEY_FILE"] { templateKeyFile = key }
        if let webhook = environment["FASTCERT_NOTICE_WEBHOOK"] { noticeWebhook = webhook.isEmpty ? nil : webhook }
        if let secret = environment["FASTCERT_NOTICE_SECRET_FILE"] { noticeSecretFile = secret.isEmpty ? nil : secret }
        try value("FASTCERT_NOTICE_MAX_ATTEMPTS", \.noticeMaxAttempts)
        if let challenges = environment["FASTCERT_TEST_CHALLENGES"], !challenges.isEmpty { testChallenges = challenges }
    }

    /// The calibration file's threshold (and cohort rule), when one is named and no threshold was
    /// given explicitly (one named before is replaced).
    public mutating func applyCalibration() throws {
        if case .explicit = thresholdSource { return }
        guard let calibration else { return }
        let loaded: Calibration
        do { loaded = try Calibration.load(URL(filePath: calibration)) } catch let error as CalibrationError {
            throw ConfigurationError(error.description)
        }
        matchThreshold = loaded.distanceThreshold ?? loaded.matchThreshold
        cohort = loaded.cohortPolicy
        thresholdSource = .calibration(file: calibration, loaded)
    }

    /// An explicit distance threshold: it overrides a calibration file, its cohort rule too.
    public mutating func setMatchThreshold(_ threshold: Double, from place: String) {
        matchThreshold = threshold
        thresholdSource = .explicit(place)
        cohort = nil
    }

    var lockout: LockoutPolicy { .init(maxFailures: lockoutFailures, firstDelay: lockoutSeconds) }

    public var templateKeyPath: String { templateKeyFile ?? database + ".template-key" }

    /// The JSON file's shape: every key optional.
    struct Partial: Decodable {
        var host: String?
        var port: Int?
        var database: String?
        var models: String?
        var rules: String?
        var templateKeyFile: String?
        var workers: Int?
        var engineQueue: Int?
        var heavyReads: Int?
        var heavyReadQueue: Int?
        var maxBodyBytes: Int?
        var maxPixels: Int?
        var requestTimeoutSeconds: Double?
        var bodyTimeoutSeconds: Double?
        var idleTimeoutSeconds: Double?
        var maxConnections: Int?
        var headerTimeoutSeconds: Double?
        var maxConnectionsPerAddress: Int?
        var connectionShareExempt: [String]?
        var livenessSessionsPerMinute: Int?
        var openLivenessSessionsPerDevice: Int?
        var livenessSessionsPerKeyPerMinute: Int?
        var maxFramePixels: Int?
        var maxRequestPixels: Int?
        var matchThreshold: Double?
        var calibration: String?
        var mirrorEmbedding: Bool?
        var cnnFallback: Bool?
        var duplicateThreshold: Double?
        var maxPhotosPerEnrollment: Int?
        var lockoutFailures: Int?
        var lockoutSeconds: Double?
        var signatureWindowSeconds: Int?
        var logLevel: String?
        var allowMatchOnly: Bool?
        var deskPassiveAttackBelow: Double?
        var enrollmentPassiveAttackBelow: Double?
        var sightingConfirmThreshold: Double?
        var sightingOtherFaceThreshold: Double?
        var sightingPassiveAttackBelow: Double?
        var livenessSessionSeconds: Int?
        var dailySweep: Bool?
        var sweepHour: Int?
        var retentionSessionDays: Int?
        var retentionIdempotencyDays: Int?
        var retentionAttemptDays: Int?
        var retentionNoticeDays: Int?
        var retentionEvidencePayloadDays: Int?
        var noticeWebhook: String?
        var noticeSecretFile: String?
        var noticeMaxAttempts: Int?

        func applied(to base: ServerConfiguration) -> ServerConfiguration {
            var c = base
            c.host = host ?? c.host
            c.port = port ?? c.port
            c.database = database ?? c.database
            c.models = models ?? c.models
            c.rules = rules ?? c.rules
            c.templateKeyFile = templateKeyFile ?? c.templateKeyFile
            c.workers = workers ?? c.workers
            c.engineQueue = engineQueue ?? c.engineQueue
            c.heavyReads = heavyReads ?? c.heavyReads
            c.heavyReadQueue = heavyReadQueue ?? c.heavyReadQueue
            c.maxBodyBytes = maxBodyBytes ?? c.maxBodyBytes
            c.maxPixels = maxPixels ?? c.maxPixels
            c.requestTimeoutSeconds = requestTimeoutSeconds ?? c.requestTimeoutSeconds
            c.bodyTimeoutSeconds = bodyTimeoutSeconds ?? c.bodyTimeoutSeconds
            c.idleTimeoutSeconds = idleTimeoutSeconds ?? c.idleTimeoutSeconds
            c.maxConnections = maxConnections ?? c.maxConnections
            c.headerTimeoutSeconds = headerTimeoutSeconds ?? c.headerTimeoutSeconds
            c.maxConnectionsPerAddress = maxConnectionsPerAddress ?? c.maxConnectionsPerAddress
            c.connectionShareExempt = connectionShareExempt ?? c.connectionShareExempt
            c.livenessSessionsPerMinute = livenessSessionsPerMinute ?? c.livenessSessionsPerMinute
            c.openLivenessSessionsPerDevice = openLivenessSessionsPerDevice ?? c.openLivenessSessionsPerDevice
            c.livenessSessionsPerKeyPerMinute = livenessSessionsPerKeyPerMinute ?? c.livenessSessionsPerKeyPerMinute
            c.maxFramePixels = maxFramePixels ?? c.maxFramePixels
            c.maxRequestPixels = maxRequestPixels ?? c.maxRequestPixels
            c.matchThreshold = matchThreshold ?? c.matchThreshold
            c.calibration = calibration ?? c.calibration
            c.mirrorEmbedding = mirrorEmbedding ?? c.mirrorEmbedding
            c.cnnFallback = cnnFallback ?? c.cnnFallback
            c.duplicateThreshold = duplicateThreshold ?? c.duplicateThreshold
            c.maxPhotosPerEnrollment = maxPhotosPerEnrollment ?? c.maxPhotosPerEnrollment
            c.lockoutFailures = lockoutFailures ?? c.lockoutFailures
            c.lockoutSeconds = lockoutSeconds ?? c.lockoutSeconds
            c.signatureWindowSeconds = signatureWindowSeconds ?? c.signatureWindowSeconds
            c.logLevel = logLevel ?? c.logLevel
            c.allowMatchOnly = allowMatchOnly ?? c.allowMatchOnly
            c.deskPassiveAttackBelow = deskPassiveAttackBelow ?? c.deskPassiveAttackBelow
            c.enrollmentPassiveAttackBelow = enrollmentPassiveAttackBelow ?? c.enrollmentPassiveAttackBelow
            c.sightingConfirmThreshold = sightingConfirmThreshold ?? c.sightingConfirmThreshold
            c.sightingOtherFaceThreshold = sightingOtherFaceThreshold ?? c.sightingOtherFaceThreshold
            c.sightingPassiveAttackBelow = sightingPassiveAttackBelow ?? c.sightingPassiveAttackBelow
            c.livenessSessionSeconds = livenessSessionSeconds ?? c.livenessSessionSeconds
            c.dailySweep = dailySweep ?? c.dailySweep
            c.sweepHour = sweepHour ?? c.sweepHour
            c.retentionSessionDays = retentionSessionDays ?? c.retentionSessionDays
            c.retentionIdempotencyDays = retentionIdempotencyDays ?? c.retentionIdempotencyDays
            c.retentionAttemptDays = retentionAttemptDays ?? c.retentionAttemptDays
            c.retentionNoticeDays = retentionNoticeDays ?? c.retentionNoticeDays
            c.retentionEvidencePayloadDays = retentionEvidencePayloadDays ?? c.retentionEvidencePayloadDays
            c.noticeWebhook = noticeWebhook ?? c.noticeWebhook
            c.noticeSecretFile = noticeSecretFile ?? c.noticeSecretFile
            c.noticeMaxAttempts = noticeMaxAttempts ?? c.noticeMaxAttempts
            return c
        }
    }
}

/// A configuration value that cannot work, with the setting named.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
