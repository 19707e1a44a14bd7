/// Errors a user can act on: each message says what is wrong and how to fix it.
public enum DescentError: Error, CustomStringConvertible, Equatable {
    /// Bad input data or files.
    case input(String)
    /// A configuration value out of range or inconsistent.
    case configuration(String)
    /// Training produced non-finite values.
    case diverged(String)
    /// Writing outputs failed.
    case output(String)

    public var description: String {
        switch self {
        case .input(let m), .configuration(let m), .diverged(let m), .output(let m): return m
        }
    }
}
