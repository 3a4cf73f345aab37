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

    /// A random sequence for a session: two or three turns, each left or right at random (10
    /// sequences), sometimes followed by "move closer" (20 in all). Turns decide: from 5 landmarks the yaw of a head is measurable and a tilted photo's
    /// is not, while pitch is barely measurable and "closer" is reproduced by moving a photo (see
    /// docs/liveness.md), so `lookUp`/`lookDown` are never issued and "closer" never decides alone.
    public static func randomSequence(using generator: inout some RandomNumberGenerator) -> [LivenessChallenge] {
        let count = Bool.random(using: &generator) ? 2 : 3
        var sequence: [LivenessChallenge] = (0..<count).map { _ in Bool.random(using: &generator) ? .turnLeft : .turnRight }
        if count == 2 && sequence[0] == sequence[1] { sequence[1] = sequence[0] == .turnLeft ? .turnRight : .turnLeft }
        if Bool.random(using: &generator) { sequence.append(.moveCloser) }
        return sequence
    }
}
