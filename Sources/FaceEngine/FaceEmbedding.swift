/// A 128-value face descriptor from dlib's ResNet model. Compare with ``distance(to:)``.
///
/// A template is sensitive personal data: its `description` is redacted so that string
/// interpolation into a log line never prints the values.
public struct FaceEmbedding: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let dimensions = 128

    /// The raw values. Do not log them or send them to a client.
    public let values: [Float]

    /// Wraps 128 values; returns nil for any other count.
    public init?(values: [Float]) {
        guard values.count == Self.dimensions else { return nil }
        self.values = values
    }

    /// Euclidean distance: about 0.3 for two photos of one person, about 0.8 for two people.
    public func distance(to other: FaceEmbedding) -> Double {
        var sum: Float = 0
        for i in 0..<Self.dimensions {
            let d = values[i] - other.values[i]
            sum += d * d
        }
        return Double(sum.squareRoot())
    }

    public var description: String { "FaceEmbedding(\(Self.dimensions) values, redacted)" }
    public var debugDescription: String { description }
}
