import Certification
import Foundation
import Ledger

/// The enrollment routes' JSON bodies (snake_case on the wire), in one place for the service that
/// encodes them and the command line's remote mode that decodes them.
public enum EnrollmentWire {
    /// `POST /v1/persons/{id}/enrollments`: enrolled, replaced, or (dry run) would be.
    public struct Result: Codable, Sendable {
        public var residentId: String
        public var status: Enroller.Status
        public var enrolled: Bool
        public var referencePhotos: Int
        public var photos: [PhotoResult]
        public var duplicates: [Enroller.Duplicate]
        public var message: String

        public init(person: ResidentID, _ outcome: Enroller.Outcome) {
            residentId = person.value
            status = outcome.status
            enrolled = outcome.status.stored
            referencePhotos = outcome.referencePhotos
            photos = outcome.photos
            duplicates = outcome.duplicates
            message = outcome.message
        }

        public var outcome: Enroller.Outcome {
            Enroller.Outcome(status: status, photos: photos, referencePhotos: referencePhotos, duplicates: duplicates, message: message)
        }
    }

    /// `GET|DELETE /v1/persons/{id}/enrollments`: what is enrolled, never the template.
    public struct Record: Codable, Sendable {
        public var residentId: String
        public var unitCode: String
        public var enrolled: Bool
        public var referencePhotos: Int
        public var enrolledAt: String?
        public var enrolledBy: String?
        public var photos: [EnrollmentPhoto]
        public var events: [EnrollmentEvent]

        public init(_ e: EnrollmentRecord) {
            residentId = e.person.value
            unitCode = e.unitCode
            enrolled = e.referencePhotos > 0
            referencePhotos = e.referencePhotos
            enrolledAt = e.enrolledAt
            enrolledBy = e.enrolledBy
            photos = e.photos
            events = e.events
        }

        /// The record as the store's type (the unit path is not sent).
        public func enrollment() throws(LedgerError) -> EnrollmentRecord {
            EnrollmentRecord(
                person: try ResidentID(residentId), unitCode: unitCode, unitPath: "", referencePhotos: referencePhotos,
                enrolledAt: enrolledAt, enrolledBy: enrolledBy, photos: photos, events: events)
        }
    }

    /// `GET /v1/enrollments`: one page, by resident ID.
    public struct List: Codable, Sendable {
        public struct Line: Codable, Sendable {
            public var residentId: String
            public var unitCode: String
            public var referencePhotos: Int
            public var enrolledAt: String
            public var enrolledBy: String
        }
        public var enrollments: [Line]
        /// Pass as `after` for the next page (absent on the last page).
        public var nextAfter: String?

        public init(_ page: [EnrollmentSummary], nextAfter: ResidentID?) {
            enrollments = page.map {
                Line(
                    residentId: $0.person.value, unitCode: $0.unitCode, referencePhotos: $0.referencePhotos, enrolledAt: $0.enrolledAt,
                    enrolledBy: $0.enrolledBy)
            }
            self.nextAfter = nextAfter?.value
        }

        public func summaries() throws(LedgerError) -> [EnrollmentSummary] {
            var lines: [EnrollmentSummary] = []
            for line in enrollments {
                lines.append(
                    EnrollmentSummary(
                        person: try ResidentID(line.residentId), unitCode: line.unitCode, referencePhotos: line.referencePhotos,
                        enrolledAt: line.enrolledAt, enrolledBy: line.enrolledBy))
            }
            return lines
        }
    }
}
