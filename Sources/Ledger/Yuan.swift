/// Money in the ledger is kept in fen (hundredths of a yuan), as integers.
public enum Yuan {
    /// Fen written as yuan with two decimals: 320050 -> "3200.50".
    public static func text(fen: Int) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
