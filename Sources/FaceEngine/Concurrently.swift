/// Bounded concurrency for work that feeds the engine's queue: at most `width` tasks in flight
/// (so a long list never overflows the queue), the one implementation behind batch analysis, a
/// liveness session's frames and batch enrollment.
public enum Concurrently {
    /// Runs `work` on each element, at most `width` at once, handing each result to `onResult` as
    /// it finishes (with the element's index). A new element starts only while `shouldStart()` is
    /// true (a stop request ends the run after what is in flight). Returns how many were started.
    @discardableResult
    public static func forEach<Element: Sendable, Output: Sendable>(
        _ elements: [Element], width: Int, while shouldStart: () -> Bool = { true },
        _ work: @escaping @Sendable (Element) async -> Output, onResult: (Int, Output) -> Void
    ) async -> Int {
        await withTaskGroup(of: (Int, Output).self) { group in
            var started = 0
            func startNext() -> Bool {
                guard started < elements.count, shouldStart() else { return false }
                let (index, element) = (started, elements[started])
                group.addTask { (index, await work(element)) }
                started += 1
                return true
            }
            for _ in 0..<max(1, width) {
                guard startNext() else { break }
            }
            while let (index, output) = await group.next() {
                onResult(index, output)
                _ = startNext()
            }
            return started
        }
    }

    /// The results of `work` on every element, in the elements' order, at most `width` at once.
    public static func map<Element: Sendable, Output: Sendable>(
        _ elements: [Element], width: Int, _ work: @escaping @Sendable (Element) async -> Output
    ) async -> [Output] {
        var results = [Output?](repeating: nil, count: elements.count)
        await forEach(elements, width: width, work) { index, output in results[index] = output }
        return results.map { $0! }
    }
}
