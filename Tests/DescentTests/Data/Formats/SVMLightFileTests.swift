import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// svmlight / libsvm text files (``SVMLightFile``): what scikit-learn's `dump_svmlight_file`
/// writes reads as the same rows as the CSV of the same matrix, the format's edges read as
/// written, and every malformed line is refused with its line and column.
struct SVMLightFileTests {
    func prepare<T: KernelScalar>(
        _ train: String, test: String? = nil, threads: Int = 2, standardize: Bool = false, as _: T.Type = Double.self
    ) throws -> PreparedData<T> {
        var source = DataSource(origin: .files(train: train, test: test, labelColumn: nil), seed: 3)
        source.standardize = standardize
        return try DataPreparation.prepare(source, as: T.self, executor: ShardedExecutor(threads: threads))
    }

    func expectSameRows<T: KernelScalar>(_ a: Dataset<T>, _ b: Dataset<T>, _ note: String) {
        #expect(a.rowCount == b.rowCount && a.featureCount == b.featureCount, "\(note): shape")
        for r in 0..<min(a.rowCount, b.rowCount) {
            #expect(a.features(ofRow: r) == b.features(ofRow: r), "\(note): row \(r)")
            #expect(a.label(r) == b.label(r), "\(note): label of row \(r)")
        }
    }

    /// One- and zero-based files of scikit-learn read as the CSV of the same rows does, split
    /// the same way, on 1 and 3 threads; the base is found as `zero_based="auto"` finds it.
    @Test func readsWhatScikitLearnWrites() throws {
        let dense: PreparedData<Double> = try prepare(RealWriterFiles.svmlightPath("svm-dense.csv"))
        #expect(dense.train.featureCount == 7)
        for (name, base) in [("svm-one.svm", IndexBase.one), ("svm-zero.svm", .zero)] {
            for threads in [1, 3] {
                let sparse: PreparedData<Double> = try prepare(RealWriterFiles.svmlightPath(name), threads: threads)
                #expect(sparse.train.sparse != nil && sparse.indexBase == base, "\(name)")
                #expect(sparse.classes.names == dense.classes.names, "\(name): \(sparse.classes.names)")
                expectSameRows(sparse.train, dense.train, "\(name) training, \(threads) threads")
                expectSameRows(sparse.test, dense.test, "\(name) test, \(threads) threads")
            }
        }
    }

    /// A file of many byte ranges (300 KB) reads to the same rows, labels and features on 1,
    /// 2, 3 and 8 threads: each range's labels are numbered on their own and merged.
    @Test func sameRowsForEveryThreadCount() throws {
        var text = ""
        for i in 0..<6000 {
            let label = ["spam", "ham", "eggs"][(i * 7) % 3]
            text += "\(label) \(i % 13 + 1):\(i % 5) \(i % 17 + 20):0.5 \(i % 400 + 40):\(Double(i) / 8)\n"
        }
        let path = temporaryFile(text, name: "many.svm")
        let serial: PreparedData<Double> = try prepare(path, threads: 1)
        #expect(serial.classes.names == ["eggs", "ham", "spam"] && serial.train.featureCount == 439)
        for threads in [2, 3, 8] {
            let data: PreparedData<Double> = try prepare(path, threads: threads)
            expectSameRows(data.train, serial.train, "training, \(threads) threads")
            expectSameRows(data.test, serial.test, "test, \(threads) threads")
        }
        // As a test file its rows keep the file's order: every label and a feature of each
        // row, as written, on every thread count.
        let train = temporaryFile("spam 1:1\nham 2:1\neggs 3:1\nspam 4:1\n", name: "three.svm")
        for threads in [1, 3, 8] {
            let data: PreparedData<Double> = try prepare(train, test: path, threads: threads)
            let names = data.classes.names
            let labels = (0..<6000).map { names[data.test.label($0)] }
            #expect(labels == (0..<6000).map { ["spam", "ham", "eggs"][($0 * 7) % 3] }, "\(threads) threads")
            #expect((0..<6000).allSatisfy { data.test.feature($0, $0 % 400 + 39) == Double($0) / 8 })
        }
    }

    /// Scaling without centring: each feature divided by its population standard deviation
    /// over the training rows, zeros included (`StandardScaler(with_mean=False)`), worked out
    /// here from the dense rows.
    @Test func standardizingScalesWithoutCentring() throws {
        let sparse: PreparedData<Double> = try prepare(RealWriterFiles.svmlightPath("svm-one.svm"), standardize: true)
        let raw: PreparedData<Double> = try prepare(RealWriterFiles.svmlightPath("svm-dense.csv"))
        let n = Double(raw.train.rowCount)
        let s = try #require(sparse.standardization)
        #expect(s.mean.allSatisfy { $0 == 0 }, "no centring")
        for j in 0..<7 {
            let column = (0..<raw.train.rowCount).map { raw.train.feature($0, j) }
            let mean = column.reduce(0, +) / n
            let std = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
            #expect(abs(s.std[j] - std) <= 1e-12 * std, "feature \(j): \(s.std[j]) vs \(std)")
            for r in [0, 5, 17] {
                #expect(
                    abs(sparse.train.feature(r, j) - raw.train.feature(r, j) / std) <= 1e-15
                        * (1 + abs(raw.train.feature(r, j) / std)))
            }
        }
    }

    /// Comments, blank and comment-only lines (not rows), a row with only its label, CRLF,
    /// tabs, `+1`, exponents, a last line without a newline: the test file's rows, in order.
    @Test func edgesOfTheFormat() throws {
        let train = temporaryFile("1 1:1 4:1\n-1 2:1\n", name: "train.svm")
        let test = temporaryFile(
            "# a comment line\n\n1 1:0.5 3:2 # trailing comment\r\n-1\n  \t\n+1\t2:-1.5e-3   4:7\r\n-1 4:1e2",
            name: "edges.svm")
        for threads in [1, 2] {
            let data: PreparedData<Double> = try prepare(train, test: test, threads: threads)
            #expect(data.classes.names == ["-1", "1"])
            let rows = (0..<data.test.rowCount).map { data.test.features(ofRow: $0) }
            #expect(rows == [[0.5, 0, 2, 0], [0, 0, 0, 0], [0, -0.0015, 0, 7], [0, 0, 0, 100]])
            #expect((0..<data.test.rowCount).map { data.test.label($0) } == [1, 0, 1, 0])
        }
        // Text labels, sorted as names.
        let text: PreparedData<Float> = try prepare(
            temporaryFile("spam 1:1\nham 2:1\nspam 3:1\n", name: "text.svm"), as: Float.self)
        #expect(text.classes.names == ["ham", "spam"] && text.train.featureCount == 3)
    }

    @Test func badLinesAreNamedByLineAndColumn() {
        let cases: [(String, String)] = [
            ("1 3:\n", ":1:5: '3:' has no value after the colon"),
            ("1 3:abc\n", ":1:5: value in '3:abc' is not a number"),
            ("1 -3:1\n", ":1:3: negative index in '-3:1'"),
            ("1 3:1 2:1\n", ":1:7: index 2 after 3: the indices of a row must increase"),
            ("1 3:1 3:2\n", ":1:7: index 3 after 3"),
            ("1 qid:2 3:1\n", ":1:3: 'qid:2': query ids (qid:) are for ranking"),
            ("1 3 4:1\n", ":1:3: '3' is not index:value"),
            ("1:2 3:1\n", ":1:1: the line starts with '1:2', not a label"),
            ("1 3:inf\n", ":1:5: value in '3:inf' is not finite"),
            ("1 x:1\n", ":1:3: index in 'x:1' is not a whole number"),
            ("1 1:1\n# c\n\n-1 2:x\n", ":4:6: value in '2:x' is not a number"),
            ("1 99999999999:1\n", ":1:3: index in '99999999999:1' is too large"),
            ("", ": no rows"),
            ("# only a comment\n\n", ": no rows"),
        ]
        for (content, message) in cases {
            // Good rows after the bad one, so that the file has rows enough to split.
            let path = temporaryFile(
                content + (content.isEmpty || content.hasPrefix("#") ? "" : "1 1:1\n-1 2:1\n"), name: "bad.svm")
            do {
                let _: PreparedData<Double> = try prepare(path)
                Issue.record("accepted: \(content.debugDescription)")
            } catch {
                #expect("\(error)".contains(path + message), "\(content.debugDescription): \(error)")
            }
        }
    }

    @Test func filesThatDoNotFitAreRefused() throws {
        let train = temporaryFile("1 1:1\n-1 2:1\n1 2:3\n", name: "train.svm")
        let cases: [(test: String, message: String)] = [
            ("7 1:1\n", "label '7' never occurs in the training data"),
            ("1 0:1\n", "an index of 0, but the training file is one-based"),
        ]
        for (content, message) in cases {
            let test = temporaryFile(content, name: "test.svm")
            #expect(throws: (any Error).self) { let _: PreparedData<Double> = try prepare(train, test: test) }
            do {
                let _: PreparedData<Double> = try prepare(train, test: test)
            } catch {
                #expect("\(error)".contains(message), "\(content.debugDescription): \(error)")
            }
        }
        // A test file with a larger index widens the features, as load_svmlight_files does.
        let wide: PreparedData<Double> = try prepare(train, test: temporaryFile("1 5:2\n", name: "wide.svm"))
        #expect(wide.train.featureCount == 5 && wide.test.features(ofRow: 0) == [0, 0, 0, 0, 2])
        // A one-based reading of a file with index 0.
        do {
            let _: PreparedData<Double> = try DataPreparation.prepareSVMLight(
                DataSource(
                    origin: .files(train: temporaryFile("1 0:1\n-1 1:1\n", name: "z.svm"), test: nil, labelColumn: nil),
                    seed: 1),
                train: temporaryFile("1 0:1\n-1 1:1\n", name: "z.svm"), test: nil, base: .one,
                executor: ShardedExecutor(threads: 1), topology: .current, ranks: nil)
            Issue.record("index 0 accepted as one-based")
        } catch {
            #expect("\(error)".contains("an index of 0 in a one-based file"), "\(error)")
        }
        // One svmlight file and one CSV; a label column named for an svmlight file.
        let csv = temporaryFile("a,label\n1,1\n", name: "t.csv")
        #expect(throws: (any Error).self) { let _: PreparedData<Double> = try prepare(train, test: csv) }
        // A value float32 cannot hold.
        do {
            let _: PreparedData<Float> = try prepare(
                temporaryFile("1 1:1e39\n-1 2:1\n", name: "big.svm"), as: Float.self)
            Issue.record("1e39 accepted in float32")
        } catch {
            #expect("\(error)".contains("feature 'x0' holds a value too large for float32"), "\(error)")
        }
    }
}
