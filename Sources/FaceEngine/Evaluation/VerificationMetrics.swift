/// Accuracy figures of a verifier over scored pairs: distances of genuine (same person) and
/// impostor (different people) pairs; a pair matches when its distance is at most a threshold.
public struct VerificationMetrics: Sendable, Equatable {
    public var genuinePairs: Int
    public var impostorPairs: Int
    /// Area under the ROC curve: the chance that a random impostor pair is farther apart than a
    /// random genuine pair (ties count half).
    public var auc: Double
    /// The best accuracy any threshold reaches, and the threshold (midpoint between neighbouring
    /// distances) that reaches it.
    public var bestAccuracy: Double
    public var bestThreshold: Double
    /// False non-match rate at the largest threshold whose false match rate stays within each target.
    public var fnmrAtFMR: [Double: Double]
    /// Accuracy, false match rate and false non-match rate at the threshold the caller supplied.
    public var accuracyAtThreshold: Double
    public var fmrAtThreshold: Double
    public var fnmrAtThreshold: Double
    public var threshold: Double

    /// Computes every figure. Needs at least one genuine and one impostor distance.
    public init?(genuine: [Double], impostor: [Double], threshold: Double, fmrTargets: [Double] = [1e-2, 1e-3]) {
        guard !genuine.isEmpty, !impostor.isEmpty else { return nil }
        genuinePairs = genuine.count
        impostorPairs = impostor.count
        self.threshold = threshold
        let total = Double(genuine.count + impostor.count)

        // Sweep the sorted distances once: below each cut everything is called a match.
        let scored = (genuine.map { ($0, true) } + impostor.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var genuineBelow = 0, impostorBelow = 0
        var best = (accuracy: Double(impostor.count) / total, threshold: scored[0].0 - 1e-6)
        var rankSum = 0.0  // for the Mann-Whitney U statistic
        var index = 0
        while index < scored.count {
            var end = index
            while end < scored.count && scored[end].0 == scored[index].0 { end += 1 }
            let tiedGenuine = scored[index..<end].filter(\.1).count
            let tiedImpostor = end - index - tiedGenuine
            // Genuine pairs in this tie group beat every impostor above, and half of the tied ones.
            rankSum += Double(tiedGenuine) * (Double(impostor.count - impostorBelow - tiedImpostor) + Double(tiedImpostor) / 2)
            genuineBelow += tiedGenuine
            impostorBelow += tiedImpostor
            let accuracy = Double(genuineBelow + impostor.count - impostorBelow) / total
            if accuracy > best.accuracy {
                let next = end < scored.count ? scored[end].0 : scored[index].0 + 1e-6
                best = (accuracy, (scored[index].0 + next) / 2)
            }
            index = end
        }
        auc = rankSum / (Double(genuine.count) * Double(impostor.count))
        bestAccuracy = best.accuracy
        bestThreshold = best.threshold

        let sortedImpostor = impostor.sorted()
        var fnmr: [Double: Double] = [:]
        for target in fmrTargets {
            // Largest number of impostor pairs we may accept, then a threshold just under the next one.
            let allowed = Int((target * Double(impostor.count)).rounded(.down))
            let cut = allowed < sortedImpostor.count ? sortedImpostor[allowed] : .infinity
            fnmr[target] = Double(genuine.filter { $0 >= cut }.count) / Double(genuine.count)
        }
        fnmrAtFMR = fnmr
        let falseMatches = impostor.filter { $0 <= threshold }.count
        let falseNonMatches = genuine.filter { $0 > threshold }.count
        accuracyAtThreshold = Double(genuine.count - falseNonMatches + impostor.count - falseMatches) / total
        fmrAtThreshold = Double(falseMatches) / Double(impostor.count)
        fnmrAtThreshold = Double(falseNonMatches) / Double(genuine.count)
    }
}
