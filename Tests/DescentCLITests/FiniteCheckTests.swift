import DescentTestSupport
import Foundation
import Testing

/// Values that overflow the chosen precision (`FiniteCheck`), when read, standardized or
/// generated, are data errors at the command line.
struct FiniteCheckTests {
    static let dir = CLI.temporaryDirectory()

    /// D11: values that overflow the chosen precision, when read, standardized or generated,
    /// are data errors naming the column and the fix, not a divergence blamed on --alpha.
    @Test func overflowingDataIsADataError() throws {
        let rows = (0..<8).map { "\($0),\($0 % 2 == 0 ? "1e308" : "-1e308"),\($0 % 2)" }
        let huge = CLI.write("a,b,label\n" + rows.joined(separator: "\n") + "\n", to: "huge.csv", in: Self.dir)
        let standardized = try CLI.run(["train", "--train", huge, "--standardize"])
        expectCleanFailure(standardized, "column 'b' is too large to standardize")
        #expect(standardized.stderr.contains("rescale the column"))
        let wide = CLI.write(
            "a,b,label\n" + (0..<8).map { "\($0),\($0 == 5 ? "1e39" : "2"),\($0 % 2)" }.joined(separator: "\n") + "\n",
            to: "float32.csv", in: Self.dir)
        let float32 = try CLI.run(["train", "--train", wide, "--precision", "float32"])
        expectCleanFailure(float32, "column 'b' holds a value too large for float32")
        #expect(float32.stderr.contains("--precision float64"))
        let blobs = try CLI.run(["train", "--cluster-std", "1e308"])
        expectCleanFailure(
            blobs, "--cluster-std 1e+308 and --center-box -10.0,10.0 generate values too large for float64")
        for result in [standardized, float32, blobs] {
            #expect(!result.stderr.contains("diverged") && !result.stderr.contains("--alpha"), "\(result.stderr)")
            #expect(!result.stdout.contains("[INFO] training..."))
        }
        let tooLarge = CLI.write("a,b,label\n1,2,0\n3,1e400,1\n", to: "e400.csv", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--train", tooLarge]), "e400.csv:3:2: column 'b' holds '1e400', too large for float64"
        )
    }
}
