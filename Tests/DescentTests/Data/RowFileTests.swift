import DescentTestSupport
import Testing

@testable import Descent

/// Data files opened by their content and read row by row (``RowFiles``): files written by
/// numpy, pandas and the csv module (``RealWriterFiles``), and the label column's choice.
struct RowFileTests {
    @Test(arguments: [
        "f8.npy", "f4.npy", "be.npy", "fortran.npy", "v2.npy", "v3.npy", "xy.npz", "savetxt.csv", "savetxt.tsv",
    ])
    func numericLabels(_ name: String) throws {
        for threads in [1, 3] {
            let table = try readRows(RealWriterFiles.path(name), threads: threads)
            #expect(table.features == RealWriterFiles.features, "\(name)")
            #expect(table.labels == RealWriterFiles.numbers, "\(name)")
            #expect(table.names == ["x0", "x1", "x2"])
        }
    }

    @Test(arguments: [
        "strings.npz", "pandas.csv", "pandas_index.csv", "pandas_quoted.csv", "quote_all.csv", "pandas.tsv",
        "pandas_semicolon.csv",
    ])
    func textLabels(_ name: String) throws {
        let table = try readRows(RealWriterFiles.path(name), threads: 2)
        #expect(table.features == RealWriterFiles.features, "\(name)")
        #expect(table.labels == RealWriterFiles.species, "\(name)")
        #expect(table.names == (name.hasSuffix(".npz") ? ["x0", "x1", "x2"] : ["a", "b", "c"]), "\(name)")
    }

    @Test func labelColumnIndexesCountFromTheEndWhenNegative() {
        #expect(LabelColumnChoice.index("0", columns: 3) == 0)
        #expect(LabelColumnChoice.index("2", columns: 3) == 2)
        #expect(LabelColumnChoice.index("3", columns: 3) == nil)
        #expect(LabelColumnChoice.index("-1", columns: 3) == 2)
        #expect(LabelColumnChoice.index("-3", columns: 3) == 0)
        #expect(LabelColumnChoice.index("-4", columns: 3) == nil)
        #expect(LabelColumnChoice.index("label", columns: 3) == nil)
    }
}
