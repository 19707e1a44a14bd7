/// The floating-point type a run uses (`--precision`).
public enum Precision: String, Sendable, CaseIterable {
    case float32, float64
}
