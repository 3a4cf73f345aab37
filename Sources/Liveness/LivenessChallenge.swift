/// One thing the person is asked to do in front of the camera. Directions are the person's own:
/// "turn left" is towards their left shoulder, which is the image's right in frames as the camera
/// sees them (clients send frames unmirrored, even when the preview on screen is a mirror).
public enum LivenessChallenge: String, Sendable, Codable, CaseIterable {
    case turnLeft = "turn_left"
    case turnRight = "turn_right"
    case lookUp = "look_up"
    case lookDown = "look_down"
    case moveCloser = "move_closer"

    /// What the kiosk shows.
    public var instruction: String {
        switch self {
        case .turnLeft: "turn your head slowly to the left, then back to the camera"
        case .turnRight: "turn your head slowly to the right, then back to the camera"
        case .lookUp: "look up slowly, then back to the camera"
        case .lookDown: "look down slowly, then back to the camera"
        case .moveCloser: "move a little closer to the camera"
        }
    }

    /// A random sequence for a session: two turns, each left or right at random (4 sequences).
    /// Kind to the old: two steps, and turns of about 20 degrees (``LivenessPolicy/turnCue``); the
    /// passive models carry the defence against a replayed screen, which a longer sequence only
    /// made more likely to be caught by chance. Turns decide: from 5 landmarks the yaw of a head is
    /// measurable and a tilted photo's is not, while pitch is barely measurable and "closer" is
    /// reproduced by moving a photo (see docs/liveness.md), so `lookUp`, `lookDown` and
    /// `moveCloser` are not issued.
    public static func randomSequence(using generator: inout some RandomNumberGenerator) -> [LivenessChallenge] {
        (0..<2).map { _ in Bool.random(using: &generator) ? .turnLeft : .turnRight }
    }
}
