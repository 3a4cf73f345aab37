/// Why the face engine could not give an answer, with a message a person can act on.
///
/// The cases mirror the native bridge's status codes, plus the pool's own conditions (`busy`,
/// `shutDown`). `message` is the bridge's explanation ("the JPEG data ends before the image does").
public enum FaceEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    case badArgument(String)
    case undecodableImage(String)
    case unsupportedFormat(String)
    case imageTooLarge(String)
    case noFace(String)
    case modelLoadFailure(String)
    case internalError(String)
    /// The work queue is full; try again shortly.
    case busy(String)
    /// The engine was shut down before the work ran.
    case shutDown(String)

    /// A short stable identifier, suitable for JSON error bodies and metrics labels.
    public var code: String {
        switch self {
        case .badArgument: "bad_argument"
        case .undecodableImage: "undecodable_image"
        case .unsupportedFormat: "unsupported_format"
        case .imageTooLarge: "image_too_large"
        case .noFace: "no_face"
        case .modelLoadFailure: "model_load_failure"
        case .internalError: "internal_error"
        case .busy: "engine_busy"
        case .shutDown: "engine_shut_down"
        }
    }

    /// The explanation, without the code.
    public var message: String {
        switch self {
        case .badArgument(let m), .undecodableImage(let m), .unsupportedFormat(let m), .imageTooLarge(let m),
            .noFace(let m), .modelLoadFailure(let m), .internalError(let m), .busy(let m), .shutDown(let m):
            m
        }
    }

    /// True when the fault lies with the image supplied (as opposed to the engine or the machine).
    public var isImageProblem: Bool {
        switch self {
        case .undecodableImage, .unsupportedFormat, .imageTooLarge, .noFace: true
        default: false
        }
    }

    public var description: String { "\(code): \(message)" }
}
