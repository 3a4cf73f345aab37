import ArgumentParser
import Certification
import FaceEngine
import Foundation
import Ledger

/// `fastcert enrollments list|show|delete`: what is enrolled, never the template itself.
struct EnrollmentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrollments",
        abstract: "What is enrolled (when, by whom, from which photo hash, quality), locally or through the service.",
        subcommands: [List.self, Show.self, Delete.self, EnrollmentSearchBench.self])

    /// Where the enrollments are: the local database, or --server with --key.
    struct Source: ParsableArguments {
        @Option(help: ArgumentHelp("A FastCert service (default: $FASTCERT_SERVER).", valueName: "url")) var server: String?
        @Option(help: ArgumentHelp("An operator or auditor API key for --server (default: $FASTCERT_KEY).", valueName: "key"))
        var key: String?
        @Option(help: ArgumentHelp("The template key file (local).", valueName: "file")) var templateKeyFile: String?
        @OptionGroup var ledger: LedgerOptions

        func open() async throws -> any EnrollmentBackend {
            if let remote = try RemoteEnrollment.named(server: server, key: key, concurrency: 1) { return remote }
            return try await EnrollCommand.localBackend(
                ledger: ledger, templateKeyFile: templateKeyFile, engineOptions: EngineOptions(),
                matchThreshold: FaceEngineConfiguration.defaultMatchThreshold, duplicateThreshold: Enroller.defaultDuplicateThreshold,
                withEngine: false)
        }
    }

    static func residentID(_ text: String) throws -> ResidentID {
        do throws(LedgerError) { return try ResidentID(text) } catch { throw CommandFailure.input(error.message) }
    }

    /// Runs `body` on the backend, always shutting it down; a service's refusal becomes its one line.
    static func using<T>(_ source: Source, _ body: (any EnrollmentBackend) async throws -> T) async throws -> T {
        let backend = try await source.open()
        do {
            let result = try await body(backend)
            await backend.shutdown()
            return result
        } catch let failure as RemoteFailure {
            await backend.shutdown()
            throw CommandFailure.input("\(failure.message) [\(failure.code)]")
        } catch {
            await backend.shutdown()
            throw error
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrolled persons, by resident ID (the key's units only, remotely).")
        @Option(help: "Persons after this resident ID (the next page).") var after: String?
        @Option(help: "At most this many persons.") var limit = 100
        @OptionGroup var source: Source

        func run() async throws {
            try await reportingFailures {
                let page = try await using(source) { try await $0.list(after: try after.map(residentID), limit: min(max(limit, 1), 1000)) }
                for line in page {
                    print(
                        "\(line.person.value)  \(line.unitCode)  \(line.referencePhotos) photo(s)  \(line.enrolledAt)  by \(line.enrolledBy)"
                    )
                }
                print("\(page.count) enrolled person(s)" + (page.count == limit ? "; next page: --after \(page.last!.person.value)" : ""))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A person's enrollment: photos (hash, quality, verdict) and history, never the template.")
        @Argument(help: "The person's resident ID.") var personID: String
        @OptionGroup var source: Source

        func run() async throws {
            try await reportingFailures {
                let id = try residentID(personID)
                let found = try await using(source) { try await $0.current(id) }
                guard let enrollment = found else { throw CommandFailure.input("no person \(id) in the ledger") }
                print("person \(id.value) (community \(enrollment.unitCode))")
                if enrollment.referencePhotos > 0 {
                    print(
                        "enrolled: \(enrollment.referencePhotos) reference photo(s), at \(enrollment.enrolledAt ?? "?") by \(enrollment.enrolledBy ?? "?")"
                    )
                } else {
                    print("not enrolled")
                }
                for (n, photo) in enrollment.photos.enumerated() {
                    var quality: [String] = []
                    if let v = photo.interEyePixels { quality.append(String(format: "inter-eye %.1f px", v)) }
                    if let v = photo.sharpness { quality.append(String(format: "sharpness %.1f", v)) }
                    if let v = photo.brightness { quality.append(String(format: "brightness %.0f", v)) }
                    if let v = photo.yaw { quality.append(String(format: "yaw %.1f", v)) }
                    let verdict = photo.accepted ? "accepted" : "rejected (\(photo.reasons.joined(separator: "; ")))"
                    print("  photo \(n + 1): sha256 \(photo.sha256)  \(verdict)  \(quality.joined(separator: ", "))")
                }
                for event in enrollment.events {
                    print(
                        "  \(event.at)  \(event.action)  \(event.photos) photo(s)  by \(event.actor)"
                            + (event.detail.map { "  \($0)" } ?? ""))
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a person's enrolled face (recorded with who and why); they must enroll again to verify.")
        @Argument(help: "The person's resident ID.") var personID: String
        @Option(help: "Why (kept in the history).") var reason: String?
        @OptionGroup var source: Source

        func run() async throws {
            try await reportingFailures {
                let id = try residentID(personID)
                let deleted = try await using(source) { try await $0.delete(id, reason: reason) }
                guard deleted else { throw CommandFailure.input("\(id) has no enrolled face to delete") }
                print("deleted the enrolled face of \(id.value); recorded in its history")
            }
        }
    }
}
