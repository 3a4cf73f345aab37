import FaceEngine
import Foundation
import Ledger

/// Enrollment from photos to a stored template, the one implementation behind the HTTP route and
/// the local command line: the photos are checked (``EnrollmentCheck``, in parallel on the engine),
/// then, one enrollment at a time (the ``Coordinator``'s enrollment lock), the new face is searched among every enrolled template (a close
/// match under another resident ID is refused as a duplicate identity and recorded for an operator
/// to resolve), stored with its photos' record, and added to the search index.
public actor Enroller {
    public struct Request: Sendable {
        public var person: ResidentID
        public var photos: [Data]
        public var replace: Bool
        public var dryRun: Bool
        /// Enroll even when the face matches another person (an operator resolved the report, e.g. twins).
        public var allowDuplicate: Bool
        /// Who enrolls: the API key id, or cli:<user>.
        public var actor: String
        /// The unit path the caller may see (an operator's key); nil sees the whole city (the
        /// command line). A duplicate outside it is reported without who it is, and a case is opened
        /// for the operators whose scope covers it.
        public var scope: String?

        public init(
            person: ResidentID, photos: [Data], replace: Bool, dryRun: Bool, allowDuplicate: Bool, actor: String, scope: String? = nil
        ) {
            self.person = person
            self.photos = photos
            self.replace = replace
            self.dryRun = dryRun
            self.allowDuplicate = allowDuplicate
            self.actor = actor
            self.scope = scope
        }
    }

    public enum Status: String, Codable, Sendable, CaseIterable {
        case enrolled, replaced
        case wouldEnroll = "would_enroll"
        case noUsablePhoto = "no_usable_photo"
        case photosDisagree = "photos_disagree"
        case duplicateIdentity = "duplicate_identity"
        case alreadyEnrolled = "already_enrolled"

        public var stored: Bool { self == .enrolled || self == .replaced }
    }

    /// A person the face matches (another person whose enrolled face is this one's). Outside the caller's scope, who it is and how near stay hidden
    /// (`residentId` and `distance` nil): only the number of the case opened for that unit.
    public struct Duplicate: Codable, Sendable, Equatable {
        public var residentId: String?
        public var distance: Double?
        public var caseId: Int64?

        public init(residentId: String?, distance: Double?, caseId: Int64? = nil) {
            self.residentId = residentId
            self.distance = distance
            self.caseId = caseId
        }
    }

    public struct Outcome: Sendable {
        public var status: Status
        public var photos: [PhotoResult]
        /// Reference photos in the template (stored, or that would be stored on a dry run).
        public var referencePhotos: Int
        public var duplicates: [Duplicate]
        /// One sentence for the operator.
        public var message: String
        /// `photos_disagree`: the two photos (0-based) that do not show the same person.
        public var disagreeing: [Int]

        public init(
            status: Status, photos: [PhotoResult], referencePhotos: Int, duplicates: [Duplicate], message: String, disagreeing: [Int] = []
        ) {
            self.status = status
            self.photos = photos
            self.referencePhotos = referencePhotos
            self.duplicates = duplicates
            self.message = message
            self.disagreeing = disagreeing
        }
    }

    let store: any EnrollmentStore
    /// One enrollment's search-and-save at a time across the ledger's processes, and the enrollments
    /// made elsewhere that the index and the cohort catch up with.
    let coordinator: any Coordinator
    /// Nil for tools that only list or delete enrollments.
    let engine: FaceEngine?
    let matchThreshold: Double
    /// A reference photo whose passive score falls under this is refused (0: recorded only).
    let passiveAttackBelow: Double
    /// Largest face distance between two persons' templates reported as one identity.
    public let duplicateThreshold: Double
    let index = TemplateIndex()
    /// The verification cohort (a sample of the enrolled, ``FaceCohort``), kept with the index.
    public nonisolated let cohort: FaceCohort
    var loaded = false
    /// Enrolled templates the key could not open when the index was filled: the duplicate search
    /// cannot see them, so no one is enrolled while there are any.
    var unreadable = 0
    /// The last enrollment event the index reflects.
    var lastEvent: Int64 = 0

    /// Set on faces-dev (docs/enrollment.md, "Duplicate threshold"): strict enough that strangers in a city of
    /// millions rarely come up, loose enough for two photos of one person years apart.
    public static let defaultDuplicateThreshold = 0.45

    public init(
        store: any EnrollmentStore, coordinator: any Coordinator, engine: FaceEngine?, matchThreshold: Double,
        duplicateThreshold: Double = defaultDuplicateThreshold,
        passiveAttackBelow: Double = 0, cohortCapacity: Int = FaceCohort.defaultCapacity
    ) {
        self.cohort = FaceCohort(capacity: cohortCapacity)
        self.passiveAttackBelow = passiveAttackBelow
        self.store = store
        self.coordinator = coordinator
        self.engine = engine
        self.matchThreshold = matchThreshold
        self.duplicateThreshold = duplicateThreshold
    }

    /// Fills the search index from the sealed templates (once; later calls return at once).
    /// Returns the templates loaded and those that could not be opened (wrong key, altered).
    @discardableResult
    public func load() async throws -> (templates: Int, unreadable: Int) {
        // One enrollment at a time from search to index, with the load (the actor alone would
        // interleave them at each await, and two copies of one face could both pass the search).
        try await coordinator.exclusively(.enrollment) { try await self.loadHeld() }
    }

    func loadHeld() async throws -> (templates: Int, unreadable: Int) {
        guard !loaded else {
            try await catchUp()
            return (index.ownerCount, 0)
        }
        let (index, cohort) = (index, cohort)
        // Events from here on are replayed by catchUp(), so nothing enrolled during the load is missed.
        lastEvent = try await store.lastEnrollmentEvent()
        index.reserve(try await store.enrolledCount())
        let counts = try await store.forEachTemplate { batch in
            for (id, embeddings) in batch { Self.place(id.value, embeddings, index, cohort) }
        }
        loaded = true
        unreadable = counts.unreadable
        try await catchUp()
        return counts
    }

    /// Puts an owner's embeddings in the index and offers them to the cohort (none: takes them out).
    static func place(_ owner: String, _ embeddings: [[Float]], _ index: TemplateIndex, _ cohort: FaceCohort) {
        index.replace(owner: owner, with: embeddings)
        cohort.replace(owner: owner, with: embeddings.compactMap(FaceEmbedding.init(values:)))
    }

    /// Applies enrollments made since the index was last brought up to date, by this process or
    /// another one on the same database (the command line beside the service).
    func catchUp() async throws {
        let changes = try await coordinator.enrollmentChanges(after: lastEvent)
        for person in Set(changes.persons.map(\.value)) {
            Self.place(person, try await openTemplate(try ResidentID(person)) ?? [], index, cohort)
        }
        lastEvent = changes.last
    }

    /// Checks, searches and (unless refused or a dry run) stores. Throws ``FaceEngineError`` when
    /// the engine fails (busy, stopped) and ``LedgerError`` for an unknown person, `StorageError` for a
    /// store fault (database, template key); a bad photo is a rejected result, not an error.
    public nonisolated func enroll(_ request: Request) async throws -> Outcome {
        guard let person = try await store.person(request.person) else {
            throw LedgerError(.personNotFound, "no person \(request.person) in the ledger")
        }
        if person.templatePhotos > 0 && !request.replace {
            return Outcome(
                status: .alreadyEnrolled, photos: [], referencePhotos: person.templatePhotos, duplicates: [],
                message: "already enrolled (\(person.templatePhotos) reference photos); replace to enroll new photos")
        }
        guard let engine else { throw FaceEngineError.shutDown("no face engine was started for this enrollment") }
        let outcome = try await EnrollmentCheck(engine: engine, matchThreshold: matchThreshold, passiveAttackBelow: passiveAttackBelow)
            .evaluate(
                request.photos)
        if let (first, second) = outcome.disagreeing {
            return Outcome(
                status: .photosDisagree, photos: outcome.results, referencePhotos: 0, duplicates: [],
                message: "photos \(first + 1) and \(second + 1) do not show the same person; enroll photos of one person only",
                disagreeing: [first, second])
        }
        guard !outcome.accepted.isEmpty else {
            return Outcome(
                status: .noUsablePhoto, photos: outcome.results, referencePhotos: 0, duplicates: [],
                message: "no photo was good enough to enroll; see each photo's reasons")
        }
        return try await commit(request, outcome, wasEnrolled: person.templatePhotos > 0)
    }

    /// The serial part: search, store, index.
    func commit(_ request: Request, _ outcome: EnrollmentCheck.Outcome, wasEnrolled: Bool) async throws -> Outcome {
        try await coordinator.exclusively(.enrollment) { try await self.commitHeld(request, outcome, wasEnrolled: wasEnrolled) }
    }

    func commitHeld(_ request: Request, _ outcome: EnrollmentCheck.Outcome, wasEnrolled: Bool) async throws -> Outcome {
        try await loadHeld()
        guard unreadable == 0 else {
            throw StorageError(
                .templateUnreadable,
                "\(unreadable) enrolled template(s) cannot be opened with the template key: the duplicate search cannot see them, so enrollment is refused until the key that sealed them is restored"
            )
        }
        let embeddings = outcome.accepted.map(\.embedding.values)
        let count = embeddings.count
        let found = try await duplicates(of: outcome.accepted.map(\.embedding), excluding: request.person)
        // Outside the caller's scope: a case for the other unit's operators, and nothing of who it is.
        var duplicates: [Duplicate] = []
        var elsewhere = 0
        for duplicate in found {
            guard let id = duplicate.residentId.flatMap({ try? ResidentID($0) }) else { continue }
            if let scope = request.scope, let other = try await store.person(id), !other.unitPath.hasPrefix(scope) {
                let caseID = try await store.openDuplicateCase(
                    other: id, enrolling: request.person, distance: duplicate.distance ?? 0, by: request.actor, on: ServiceClock.today())
                duplicates.append(Duplicate(residentId: nil, distance: nil, caseId: caseID))
                elsewhere += 1
            } else {
                duplicates.append(duplicate)
            }
        }
        var detail: String?
        if !duplicates.isEmpty {
            detail = AuditJSON.text(DuplicateDetail(duplicates: found, allowed: request.allowDuplicate && elsewhere == 0))
            // A duplicate the caller cannot see cannot be allowed by them: a city operator resolves it.
            if !request.allowDuplicate || elsewhere > 0 {
                try await store.recordEnrollmentEvent(
                    request.person, action: request.dryRun ? "dry_run" : "duplicate_refused", by: request.actor, detail: detail)
                let cases = duplicates.compactMap(\.caseId).map { "\($0)" }.joined(separator: ", ")
                let names = duplicates.compactMap { duplicate in
                    duplicate.residentId.map { "\($0) (distance \(String(format: "%.3f", duplicate.distance ?? 0)))" }
                }.joined(separator: ", ")
                let message =
                    elsewhere > 0
                    ? "a possible duplicate in another district: case opened (\(cases)) for its operators; a city operator resolves it"
                        + (names.isEmpty ? "" : "; the face also matches \(names)")
                    : "the face is already enrolled as \(names); an operator must resolve this (one face, two pensions)"
                return Outcome(
                    status: .duplicateIdentity, photos: outcome.results, referencePhotos: 0, duplicates: duplicates, message: message)
            }
        }
        if request.dryRun {
            // The search is recorded even when nothing is stored: a dry run is no way to probe faces unseen.
            try await store.recordEnrollmentEvent(
                request.person, action: "dry_run", by: request.actor,
                detail: detail ?? AuditJSON.text(DuplicateDetail(duplicates: [], allowed: request.allowDuplicate)))
            return Outcome(
                status: .wouldEnroll, photos: outcome.results, referencePhotos: count, duplicates: duplicates,
                message: "dry run: would enroll \(count) reference photo(s)")
        }
        let photos = outcome.results.map {
            EnrollmentPhoto(
                sha256: $0.sha256 ?? "", accepted: $0.accepted, codes: $0.codes, reasons: $0.reasons, facesFound: $0.facesFound,
                interEyePixels: $0.interEyePixels, sharpness: $0.sharpness, brightness: $0.brightness, yaw: $0.yaw)
        }
        do {
            try await store.saveEnrollment(
                embeddings, photos: photos, for: request.person, by: request.actor, replacing: request.replace, detail: detail,
                scope: request.scope)
        } catch let error as LedgerError where error.code == .alreadyEnrolled {
            return Outcome(
                status: .alreadyEnrolled, photos: outcome.results, referencePhotos: 0, duplicates: [],
                message: "enrolled meanwhile by someone else; replace to enroll new photos")
        }
        Self.place(request.person.value, embeddings, index, cohort)
        return Outcome(
            status: wasEnrolled ? .replaced : .enrolled, photos: outcome.results, referencePhotos: count, duplicates: duplicates,
            message: "\(wasEnrolled ? "re-enrolled" : "enrolled") with \(count) reference photo(s)")
    }

    struct DuplicateDetail: Encodable {
        var duplicates: [Duplicate]
        var allowed: Bool
    }

    /// Other persons whose enrolled face is within the duplicate threshold of any of these
    /// embeddings, nearest first: candidates from the int8 index, confirmed on their exact templates.
    func duplicates(of embeddings: [FaceEmbedding], excluding person: ResidentID) async throws -> [Duplicate] {
        guard let engine else { throw FaceEngineError.shutDown("no face engine was started for this enrollment") }
        let candidates = try await engine.search(
            index, for: embeddings.map(\.values), within: duplicateThreshold + 0.02, excluding: person.value)
        var confirmed: [Duplicate] = []
        for candidate in candidates.prefix(20) {
            let id = try ResidentID(candidate.owner)
            guard let template = try await openTemplate(id) else { continue }
            let enrolled = template.compactMap(FaceEmbedding.init(values:))
            let distance = embeddings.flatMap { new in enrolled.map { new.distance(to: $0) } }.min() ?? .infinity
            if distance <= duplicateThreshold {
                confirmed.append(Duplicate(residentId: id.value, distance: (distance * 1000).rounded() / 1000))
            }
        }
        return confirmed.sorted { ($0.distance ?? .infinity) < ($1.distance ?? .infinity) }
    }

    /// The person's template, or nil when they have none or it cannot be opened (another key,
    /// altered): such a template cannot be searched, and must not stop everyone else's enrollment.
    func openTemplate(_ id: ResidentID) async throws -> [[Float]]? {
        do {
            return try await store.template(for: id)
        } catch let error as StorageError where error.code == .templateUnreadable {
            return nil
        }
    }

    /// Deletes the person's enrollment (recorded with who and why) and takes them out of the index.
    public func delete(_ person: ResidentID, by actor: String, reason: String?, scope: String? = nil) async throws -> Bool {
        try await coordinator.exclusively(.enrollment) { try await self.deleteHeld(person, by: actor, reason: reason, scope: scope) }
    }

    func deleteHeld(_ person: ResidentID, by actor: String, reason: String?, scope: String?) async throws -> Bool {
        let deleted = try await store.deleteEnrollment(person, by: actor, reason: reason, scope: scope)
        Self.place(person.value, [], index, cohort)
        return deleted
    }
}
