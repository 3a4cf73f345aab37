import Certification
import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Logging

/// The one mapping from error codes to HTTP statuses. Every switch is exhaustive, so a new code
/// does not compile until it has its status; a test checks that no code string has two statuses.
extension APIError {
    /// The status of a request-level code.
    public static func status(_ code: Code) -> HTTPResponse.Status {
        switch code {
        case .invalidJSON, .invalidMultipart, .invalidBase64, .emptyPhoto, .noPhoto, .tooManyPhotos, .tooManyFrames, .invalidTimestamps,
            .invalidRequest,
            .invalidQuery, .invalidKind, .invalidCSV, .noRows, .invalidTaskID, .invalidID, .invalidOutcome, .invalidDay, .invalidUnit,
            .invalidIdempotencyKey, .nothingToChange, .invalidSite, .invalidCaptureID, .invalidStills, .invalidCapturedAt:
            .unprocessableContent
        case .unsupportedMediaType: .unsupportedMediaType
        case .bodyTooLarge, .bodyNotAllowed, .tooManyRows, .tooManyPixels, .tooManySightings: .contentTooLarge
        case .bodyTimeout: .requestTimeout
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .unauthenticated, .invalidKey, .signatureRequired, .badSignature, .staleSignature, .replayedRequest: .unauthorized
        case .forbiddenRole: .forbidden
        case .timeout, .heavyReadsBusy: .serviceUnavailable
        case .badRequest: .badRequest
        case .internalError: .internalServerError
        }
    }

    /// The status of a ledger code.
    public static func status(_ code: LedgerError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidAmount, .invalidBenefitLevel, .invalidBirthDate, .invalidContact, .invalidKeyOptions, .invalidName,
            .invalidResidentId, .taskOutcome, .unknownCommunity, .idempotencyKeyReused, .invalidDecision, .futureDay, .captureInFuture,
            .captureTooOld, .consentRequired, .visitCodeRequired, .invalidGrounds, .invalidRelative, .notAppealable:
            .unprocessableContent
        case .personNotFound, .unknownKey, .unknownSession, .unknownTask, .unknownUnit, .unknownConflict, .unknownDecision,
            .unknownPayrollRun, .unknownRecovery, .unknownAppeal:
            .notFound
        case .outOfScope, .sessionMismatch, .sameOperator, .namedOperatorRequired, .wrongVisitCode, .assistanceNotAllowed, .personNotBound:
            .forbidden
        case .sessionLimit: .tooManyRequests
        case .alreadyEnrolled, .keyRevoked, .personExists, .sessionExpired, .sessionUsed, .taskClosed, .decisionClosed, .personState,
            .appealClosed, .appealPending, .appealOpen, .payrollRunExists, .payrollMonth, .recoveryClosed, .needsDecision, .chainTampered,
            .captureIdReused, .sightingsNotInRules, .noConsent, .visitCodeLocked, .noVisitTask, .assistedNotInRules:
            .conflict
        case .rulesInvalid, .rulesMissing, .rulesUnreadable, .verificationEvidence: .internalServerError
        }
    }

    /// The status of a store fault: a busy database sheds load (503, retry); a broken constraint,
    /// a broken database or a template key fault is the service's own (500: a retry fails the
    /// same way).
    public static func status(_ code: StorageError.Code) -> HTTPResponse.Status {
        switch code {
        case .database: .serviceUnavailable
        case .constraint, .databaseFault, .templateKey, .templateSeal, .templateUnreadable: .internalServerError
        }
    }

    /// The status of a certification refusal.
    public static func status(_ code: CertificationError.Code) -> HTTPResponse.Status {
        switch code {
        case .personNotFound: .notFound
        case .notEnrolled, .consentWithdrawn: .conflict
        case .livenessRequired: .unprocessableContent
        case .lockedOut, .deviceBusy: .tooManyRequests
        }
    }

    /// The status of a face-engine error.
    public static func status(_ error: FaceEngineError) -> HTTPResponse.Status {
        switch error {
        case .undecodableImage, .badArgument, .noFace: .unprocessableContent
        case .unsupportedFormat: .unsupportedMediaType
        case .imageTooLarge: .contentTooLarge
        case .busy, .shutDown: .serviceUnavailable
        case .modelLoadFailure, .internalError: .internalServerError
        }
    }

    /// The status of an enrollment's outcome: 201 stored, 200 a dry run, 409 or 422 refused.
    public static func status(_ outcome: Enroller.Status) -> HTTPResponse.Status {
        switch outcome {
        case .enrolled: .created
        case .replaced: .created
        case .wouldEnroll: .ok
        case .duplicateIdentity, .alreadyEnrolled: .conflict
        case .noUsablePhoto, .photosDisagree: .unprocessableContent
        }
    }

    /// A ledger error. A fault of the service (its rules, an attempt it could not record) is
    /// answered without its detail, under `requestID`: the detail goes to the log.
    init(_ error: LedgerError, requestID: String) {
        let status = Self.status(error.code)
        guard error.isInternal else {
            self.init(status: status, code: error.code.rawValue, message: error.message)
            if error.code == .sessionLimit { headers[.retryAfter] = "10" }
            return
        }
        self.init(
            status: status, code: error.code.rawValue,
            message: "the service failed on this request (request \(requestID)); it has been logged")
        self.requestID = requestID
    }

    /// A store fault, always answered without its detail (which may hold SQL or a path), under
    /// `requestID`; a busy database asks the client to retry.
    init(_ error: StorageError, requestID: String) {
        let status = Self.status(error.code)
        let message =
            error.code == .database
            ? "the ledger database is busy or unavailable; retry shortly (request \(requestID))"
            : "the service failed on this request (request \(requestID)); it has been logged"
        self.init(status: status, code: error.code.rawValue, message: message)
        self.requestID = requestID
        if status == .serviceUnavailable { headers[.retryAfter] = "1" }
    }

    /// A certification refusal (a locked-out caller is told when to come back).
    init(_ error: CertificationError) {
        self.init(status: Self.status(error.code), code: error.code.rawValue, message: error.message)
        if case .lockedOut(let seconds, _) = error { headers[.retryAfter] = "\(seconds)" }
        if case .deviceBusy = error { headers[.retryAfter] = "1" }
    }

    /// A face-engine error about an uploaded image, or about the engine itself.
    init(_ error: FaceEngineError, requestID: String) {
        let status = Self.status(error)
        switch error {
        case .unsupportedFormat: self.init(status: status, code: error.code, message: error.message + " (send a JPEG or a PNG)")
        case .busy:
            self.init(status: status, code: error.code, message: "the face engine is busy; retry in a second", headers: [.retryAfter: "1"])
        case .shutDown:
            self.init(status: status, code: error.code, message: "the service is shutting down", headers: [.retryAfter: "5"])
        case .modelLoadFailure, .internalError:
            self.init(status: status, code: error.code, message: "the face engine failed on this image (request \(requestID))")
            self.requestID = requestID
        default: self.init(status: status, code: error.code, message: error.message)
        }
    }

    /// Any error a route throws, as the API's answer. Faults of the service are logged here with
    /// their detail and request id (the client gets the id, never the detail).
    static func answer(for error: any Error, request: Request, logger: Logger) -> APIError {
        let requestID = Data.randomHex(bytes: 8)
        let answer: APIError
        switch error {
        case let error as APIError: answer = error
        case let error as CertificationError: answer = APIError(error)
        case let error as LedgerError: answer = APIError(error, requestID: requestID)
        case let error as StorageError: answer = APIError(error, requestID: requestID)
        case let error as FaceEngineError: answer = APIError(error, requestID: requestID)
        case let error as HTTPError where error.status == .notFound:
            let allowed = APIRoute.methods(matching: request.uri.path)
            if allowed.isEmpty {
                answer = APIError(.notFound, "no such route: \(request.method.rawValue) \(request.uri.path) (see /openapi.yaml)")
            } else {
                answer = APIError(
                    .methodNotAllowed,
                    "\(request.method.rawValue) is not allowed here; use \(allowed.map(\.rawValue).joined(separator: " or "))",
                    headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
            }
        case let error as HTTPError where error.status == .contentTooLarge:
            answer = APIError(.bodyTooLarge, "the request body is larger than the service accepts")
        case let error as HTTPError where error.status.code < 500:
            answer = APIError(status: error.status, code: Code.badRequest.rawValue, message: error.body ?? error.status.reasonPhrase)
        default:
            var fault = APIError(.internalError, "the service failed on this request (request \(requestID)); it has been logged")
            fault.requestID = requestID
            answer = fault
        }
        if answer.status.code >= 500 {
            // A fault (500) is an error; shedding load or shutting down (503) is a warning.
            logger.log(
                level: answer.status == .serviceUnavailable ? .warning : .error, "request failed",
                metadata: [
                    "request_id": "\(answer.requestID ?? requestID)", "status": "\(answer.status.code)", "code": "\(answer.code)",
                    "error.type": "\(type(of: error))", "error": "\(Self.detail(error))",
                ])
        }
        return answer
    }

    /// What the log keeps of an error: its own message (never a template or a photo).
    static func detail(_ error: any Error) -> String {
        switch error {
        case let error as LedgerError: error.message
        case let error as StorageError: error.message
        case let error as FaceEngineError: error.message
        case let error as APIError: error.message
        default: String(describing: error)
        }
    }
}
