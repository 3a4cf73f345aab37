import Certification
import FaceEngine
import Foundation
import Ledger
import Synchronization

/// Runs enrollment jobs on a backend (local or remote, the same way) and reports them: a line per
/// person (and per rejected photo), a progress bar on a terminal or progress lines otherwise, a
/// CSV row for every photo not enrolled and why, and a summary. Each person's enrollment is stored
/// before it is reported, so a crash or Ctrl-C loses nothing reported; a second run skips persons
/// already enrolled from the same photos (by SHA-256 of the files).
final class EnrollmentRunner: Sendable {
    struct Options: Sendable {
        var replace = false
        var dryRun = false
        var allowDuplicate = false
        var actor: String
        var maxPhotos = 20
        /// Photo files larger than this are not read (reported as too large).
        var maxBytes = 20 << 20
        /// One person from the command line: every photo gets its line, accepted or not.
        var single = false
    }

    enum Result: Sendable {
        case finished(Enroller.Outcome)
        /// Already enrolled from these photos (their SHA-256, in the job's order); the stored records.
        case skipped(EnrollmentRecord, hashes: [String])
        /// `fatal`: the run cannot go on (the service refused the key, or cannot be reached).
        case failed(code: String, message: String, fatal: Bool = false)
    }

    struct Summary: Sendable {
        var persons = 0
        var counts: [String: Int] = [:]
        var photosAccepted = 0
        var photosRejected = 0
        var photosProcessed = 0
        var reportRows = 0
        /// Persons enrolled (or who would be) with a single reference photo.
        var onePhoto = 0
        var interrupted = false
        var fatal: String?

        /// Persons whose photos are now enrolled (or would be, on a dry run), or were already.
        var succeeded: Int { ["enrolled", "replaced", "would_enroll", "skipped"].reduce(0) { $0 + counts[$1, default: 0] } }
    }

    let backend: any EnrollmentBackend
    let options: Options
    let stop = Atomic<Bool>(false)

    init(backend: any EnrollmentBackend, options: Options) {
        self.backend = backend
        self.options = options
    }

    /// Enrolls one person.
    func run(_ job: EnrollmentJob) async -> Result {
        let person: ResidentID
        do throws(LedgerError) { person = try ResidentID(job.personText) } catch {
            return .failed(code: error.code.rawValue, message: error.message)
        }
        guard !job.photos.isEmpty else { return .failed(code: "no_photo", message: "no JPEG or PNG photo for this person") }
        guard job.photos.count <= options.maxPhotos else {
            return .failed(code: "too_many_photos", message: "\(job.photos.count) photos: enroll at most \(options.maxPhotos) per person")
        }
        var images: [Data] = []
        for path in job.photos {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            if let size, size > options.maxBytes {
                return .failed(
                    code: "image_too_large", message: "\(path) is \(size >> 20) MiB: enroll photos under \(options.maxBytes >> 20) MiB")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                return .failed(code: "unreadable_file", message: "cannot read \(path)")
            }
            images.append(data)
        }
        let hashes = images.map(EnrollmentCheck.sha256)
        do {
            guard let current = try await backend.current(person) else {
                return .failed(code: "person_not_found", message: "no person \(person) in the ledger: import the person first")
            }
            // Enrolled from exactly these photos (a batch run again): enrolling them again would store the same template.
            if current.referencePhotos > 0 && Set(hashes) == Set(current.photos.map(\.sha256)) && !options.dryRun {
                return .skipped(current, hashes: hashes)
            }
            let outcome = try await backend.enroll(
                Enroller.Request(
                    person: person, photos: images, replace: options.replace, dryRun: options.dryRun,
                    allowDuplicate: options.allowDuplicate,
                    actor: options.actor))
            // A retried request whose first attempt was stored (its answer lost to a timeout) finds itself enrolled.
            if outcome.status == .alreadyEnrolled, let now = try await backend.current(person),
                Set(hashes) == Set(now.photos.map(\.sha256))
            {
                return .skipped(now, hashes: hashes)
            }
            return .finished(outcome)
        } catch let failure as RemoteFailure {
            if failure.fatal { stop.store(true, ordering: .relaxed) }
            let message =
                failure.status == 401 || failure.status == 403 ? "the service refused the key: \(failure.message)" : failure.message
            return .failed(code: failure.code, message: message, fatal: failure.fatal)
        } catch let error as LedgerError {
            return .failed(code: error.code.rawValue, message: error.message)
        } catch let error as FaceEngineError {
            return .failed(code: error.code, message: error.message)
        } catch {
            return .failed(code: "error", message: "\(error)")
        }
    }

    /// Runs every job, `backend.concurrency` at a time, reporting as they finish.
    func run(_ jobs: [EnrollmentJob], report: EnrollmentReport) async -> Summary {
        var summary = Summary()
        let progress = Progress(total: jobs.reduce(0) { $0 + $1.photos.count }, enabled: !options.single)
        let started = await Concurrently.forEach(jobs, width: backend.concurrency, while: { !stop.load(ordering: .relaxed) }) { job in
            await self.run(job)
        } onResult: { index, result in
            progress.clear()
            record(result, of: jobs[index], into: &summary, report: report)
            fflush(nil)  // each line is out as soon as its person is stored, even into a pipe
            progress.advance(by: jobs[index].photos.count, skipped: { if case .skipped = result { true } else { false } }())
        }
        summary.interrupted = started < jobs.count
        progress.finish()
        summary.photosProcessed = progress.processed
        return summary
    }

    /// Prints a person's result, adds it to the summary and writes the report rows.
    func record(_ result: Result, of job: EnrollmentJob, into summary: inout Summary, report: EnrollmentReport) {
        summary.persons += 1
        let who = (try? ResidentID(job.personText))?.masked ?? job.personText
        switch result {
        case .failed(let code, let message, let fatal):
            summary.counts["failed", default: 0] += 1
            if fatal { summary.fatal = summary.fatal ?? message }
            print("\(who): not enrolled: \(message) [\(code)]")
            for path in job.photos { report.row(job.personText, path, status: "failed", codes: [code], reason: message) }
            summary.reportRows += job.photos.count
        case .skipped(let current, let hashes):
            summary.counts["skipped", default: 0] += 1
            print("\(who): skipped: already enrolled from these photos (\(current.referencePhotos) reference photo(s))")
            let stored = Dictionary(current.photos.map { ($0.sha256, $0) }, uniquingKeysWith: { first, _ in first })
            for (path, hash) in zip(job.photos, hashes) {
                guard let photo = stored[hash], !photo.accepted else { continue }
                report.row(job.personText, path, status: "rejected", codes: photo.codes, reason: photo.reasons.joined(separator: "; "))
                summary.reportRows += 1
            }
        case .finished(var outcome):
            summary.counts[outcome.status.rawValue, default: 0] += 1
            if outcome.status.stored || outcome.status == .wouldEnroll, outcome.referencePhotos == 1 { summary.onePhoto += 1 }
            if outcome.status == .photosDisagree, outcome.disagreeing.count == 2,
                let first = job.photos[safe: outcome.disagreeing[0]], let second = job.photos[safe: outcome.disagreeing[1]]
            {
                outcome.message = "\(first) and \(second) do not show the same person; enroll photos of one person only"
            }
            let refused = !(outcome.status.stored || outcome.status == .wouldEnroll)
            var judged = Set<Int>()
            for photo in outcome.photos where photo.index < job.photos.count {
                judged.insert(photo.index)
                let path = job.photos[photo.index]
                if photo.accepted {
                    summary.photosAccepted += 1
                    if options.single { print("\(path): accepted") }
                    if refused {
                        report.row(
                            job.personText, path, status: outcome.status.rawValue, codes: [outcome.status.rawValue], reason: outcome.message
                        )
                        summary.reportRows += 1
                    }
                } else {
                    summary.photosRejected += 1
                    print("\(path): rejected: \(photo.reasons.joined(separator: "; "))")
                    report.row(job.personText, path, status: "rejected", codes: photo.codes, reason: photo.reasons.joined(separator: "; "))
                    summary.reportRows += 1
                }
            }
            if refused {
                for (index, path) in job.photos.enumerated() where !judged.contains(index) {
                    report.row(
                        job.personText, path, status: outcome.status.rawValue, codes: [outcome.status.rawValue], reason: outcome.message)
                    summary.reportRows += 1
                }
            }
            let duplicates = outcome.duplicates.map { duplicate in
                duplicate.residentId.map { "\($0) at distance \(String(format: "%.3f", duplicate.distance ?? 0))" }
                    ?? "a person in another district (case \(duplicate.caseId.map(String.init) ?? "-"))"
            }
            let line = refused ? "not enrolled: \(outcome.message) [\(outcome.status.rawValue)]" : outcome.message
            print("\(who): \(line)" + (duplicates.isEmpty || refused ? "" : " (matches \(duplicates.joined(separator: ", ")), allowed)"))
        }
    }

    /// Said when persons were enrolled with one photo: compared with the mean of two, a verification
    /// is refused a third as often at the same false-match rate (docs/calibration.md).
    static func onePhotoAdvice(_ summary: Summary) -> String? {
        guard summary.onePhoto > 0 else { return nil }
        return "one photo: \(summary.onePhoto) person(s) enrolled with a single reference photo; a second good photo of each "
            + "(--replace with both) turns markedly fewer genuine verifications away"
    }

    /// Prints the summary to standard output.
    static func printSummary(_ summary: Summary, seconds: Double, reportPath: String?) {
        let order = [
            ("enrolled", "enrolled"), ("replaced", "re-enrolled"), ("would_enroll", "would enroll (dry run)"),
            ("skipped", "skipped (already enrolled from these photos)"), ("duplicate_identity", "duplicate identity (for an operator)"),
            ("already_enrolled", "already enrolled from other photos (--replace)"), ("no_usable_photo", "no usable photo"),
            ("photos_disagree", "photos of different people"), ("failed", "failed"),
        ]
        let parts = order.compactMap { key, label in summary.counts[key].map { "\($0) \(label)" } }
        print("summary: \(summary.persons) person(s): " + (parts.isEmpty ? "none" : parts.joined(separator: ", ")))
        let rate = seconds > 0 ? Double(summary.photosProcessed) / seconds : 0
        print(
            "photos: \(summary.photosAccepted) accepted, \(summary.photosRejected) rejected; \(summary.photosProcessed) checked in "
                + String(format: "%.1f s (%.1f photos/s)", seconds, rate))
        if let reportPath { print("report: \(reportPath) (\(summary.reportRows) photo(s) not enrolled)") }
        if let advice = onePhotoAdvice(summary) { print(advice) }
        if summary.interrupted {
            print("interrupted: the persons reported above are stored; run the same command again to continue")
        }
    }
}
