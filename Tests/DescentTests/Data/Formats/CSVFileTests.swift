import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// CSV, TSV and semicolon-separated files (``CSVFile``) read through the whole loader.
struct CSVFileTests {
    @Test func readsFeaturesAndLabels() throws {
        let table = try readRows(temporaryFile("a,b,label\n1.5,2,0\n-3,4e2,1\n"))
        #expect(table.names == ["a", "b"])
        #expect(table.features == [[1.5, 2], [-3, 400]])
        #expect(table.labels == ["0", "1"])
        let byName = try readRows(temporaryFile("a,b,label\n1,2.5,0\n0,4,1\n"), labelColumn: "a")
        #expect(
            byName.names == ["b", "label"] && byName.labels == ["1", "0"] && byName.features == [[2.5, 0], [4, 1]])
        let byIndex = try readRows(temporaryFile("a,b,label\n1,2.5,0\n0,4,1\n"), labelColumn: "1")
        #expect(byIndex.names == ["a", "label"] && byIndex.labels == ["2.5", "4"])
    }

    /// RFC 4180 and what real writers add: BOM, quotes, CRLF and CR, blank lines, spaces,
    /// no header, a pandas index column.
    @Test func dialects() throws {
        let expected: [[Double]] = [[1.5, -2], [3, 4e-3]]
        let texts = [
            "\u{FEFF}a,b,label\n1.5,-2,x\n3,0.004,y\n",
            "a,b,label\r\n1.5,-2,x\r\n3,0.004,y\r\n",
            "a,b,label\r1.5,-2,x\r3,0.004,y",
            "\n\na,b,label\n\n1.5,-2,x\n  \n3,0.004,y\n\n",
            "\"a\",\"b\",\"label\"\n\"1.5\",\"-2\",\"x\"\n\"3\",\"0.004\",\"y\"\n",
            " a , b , label \n 1.5 , -2 , x \n\t3\t,\t0.004\t, y\n",
            ",a,b,label\n0,1.5,-2,x\n1,3,0.004,y\n",
        ]
        for text in texts {
            let table = try readRows(temporaryFile(text))
            #expect(table.names == ["a", "b"], "\(text.debugDescription)")
            #expect(table.features == expected, "\(text.debugDescription)")
            #expect(table.labels == ["x", "y"], "\(text.debugDescription)")
        }
        let headerless = try readRows(temporaryFile("1.5,-2,0\n3,0.004,1\n"))
        #expect(
            headerless.names == ["x0", "x1"] && headerless.features == expected && headerless.labels == ["0", "1"])
        let quoted = try readRows(
            temporaryFile("a,\"b, with comma\",label\n1.5,-2,\"say \"\"hi\"\"\"\n3,0.004,\"two\nlines\"\n"))
        #expect(quoted.names == ["a", "b, with comma"] && quoted.features == expected)
        #expect(quoted.labels == ["say \"hi\"", "two\nlines"])
    }

    /// Tab- and semicolon-separated files (pandas `sep="\t"`, spreadsheets in decimal-comma
    /// locales): the separator is the first record's, a comma wherever it holds one outside
    /// quotes. In a tab-separated file a tab is a separator, never padding, so two tabs in a
    /// row are an empty field.
    @Test func tabAndSemicolonSeparators() throws {
        let expected: [[Double]] = [[1.5, -2], [3, 4e-3]]
        let texts = [
            "a\tb\tlabel\n1.5\t-2\tx\n3\t0.004\ty\n",
            "a;b;label\r\n1.5;-2;x\r\n3;0.004;y\r\n",
            "\u{FEFF}\"a\";\"b\";\"label\"\n\"1.5\";-2;\"x\"\n3;0.004;y\n",
            " a \t b \t label \n 1.5 \t -2 \t x \n\n3\t0.004\t y\n",
            "\ta\tb\tlabel\n0\t1.5\t-2\tx\n1\t3\t0.004\ty\n",
            "a;b;label\n1.5;-2;x\n3;0.004;y",
            "a;\tb;\tlabel\n1.5;\t-2;\tx\n3 ;\t0.004\t;\ty\n",
        ]
        for text in texts {
            let table = try readRows(temporaryFile(text))
            #expect(table.names == ["a", "b"], "\(text.debugDescription)")
            #expect(table.features == expected, "\(text.debugDescription)")
            #expect(table.labels == ["x", "y"], "\(text.debugDescription)")
        }
        let headerless = try readRows(temporaryFile("1.5\t-2\t0\n3\t0.004\t1\n"))
        #expect(
            headerless.names == ["x0", "x1"] && headerless.features == expected && headerless.labels == ["0", "1"])
        // Separators inside quotes are text; a comma in a tab-separated field is text too.
        let quoted = try readRows(temporaryFile("a\t\"b,\tc\"\tlabel\n1.5\t-2\t\"x;1\"\n3\t0.004\ty,2\n"))
        #expect(quoted.names == ["a", "b,\tc"] && quoted.features == expected && quoted.labels == ["x;1", "y,2"])
        let labelFirst = try readRows(temporaryFile("label;a;b\nx;1.5;-2\ny y;3;0.004\n"), labelColumn: "label")
        #expect(
            labelFirst.names == ["a", "b"] && labelFirst.features == expected && labelFirst.labels == ["x", "y y"])
        // A quote opens a field only at its start (a stray one does not hide the tabs), and a
        // doubled quote inside a quoted name does not end it (its comma is text).
        let stray = try readRows(temporaryFile("height (\")\t\"w \"\"a,b\"\" x\"\tlabel\n1.5\t-2\tx\n3\t0.004\ty\n"))
        #expect(stray.names == ["height (\")", "w \"a,b\" x"] && stray.features == expected, "\(stray.names)")
        // A comma anywhere in the first record outside quotes keeps the comma.
        let comma = try readRows(temporaryFile("a;x,b,label\n1.5,-2,x\n3,0.004,y\n"))
        #expect(comma.names == ["a;x", "b"] && comma.features == expected)
        // The same rows on every thread count, with quoted tabs and line breaks across splits.
        var text = "a\tb\tlabel\n"
        for i in 0..<20_000 {
            let label = i % 7 == 0 ? "\"multi\nline\"" : (i % 3 == 0 ? "\"c\t\"\"q\"\"\"" : "plain")
            text += "\(Double(i) * 0.1)\t\(-Double(i) / 3)\t\(label)\n"
        }
        let path = temporaryFile(text)
        let one = try readRows(path, threads: 1)
        #expect(one.features.count == 20_000 && one.features[10] == [1.0, -10.0 / 3])
        #expect(one.labels[7] == "multi\nline" && one.labels[3] == "c\t\"q\"" && one.labels[1] == "plain")
        for threads in [2, 3] {
            let other = try readRows(path, threads: threads)
            #expect(other.features == one.features && other.labels == one.labels, "threads \(threads)")
        }
    }

    /// Every thread count reads the same rows (a file with quoted line breaks, so splits
    /// fall inside quotes too).
    @Test func sameRowsForEveryThreadCount() throws {
        var text = "a,b,label\n"
        for i in 0..<20_000 {
            let label = i % 7 == 0 ? "\"multi\nline\"" : (i % 3 == 0 ? "\"c,\"\"q\"\"\"" : "plain")
            text += "\(Double(i) * 0.1),\(-Double(i) / 3),\(label)\n"
            if i % 1000 == 0 { text += "\n" }
        }
        let path = temporaryFile(text)
        let one = try readRows(path, threads: 1)
        #expect(one.features.count == 20_000 && one.features[10] == [1.0, -10.0 / 3])
        #expect(one.labels[7] == "multi\nline" && one.labels[3] == "c,\"q\"" && one.labels[1] == "plain")
        for threads in [2, 3, 8] {
            let other = try readRows(path, threads: threads)
            #expect(other.features == one.features && other.labels == one.labels, "threads \(threads)")
        }
    }

    @Test func reportsBadRowsWithFileLineAndColumn() {
        let cases: [(String, String)] = [
            ("a,b,label\n1,2,0\n1,2\n", ":3: 2 columns, but the header has 3"),
            ("a,b,label\n1,2,0\n1,2,0,4\n", ":3: 4 columns, but the header has 3"),
            ("a,b,label\n5,6,1\n1,x,0\n", ":3:2: column 'b' holds 'x', which is not a number"),
            (
                "a,b,label\n5,6,1\n1,,0\n",
                ":3:2: column 'b' is empty; every feature needs a number: fill or drop the rows with missing values"
            ),
            ("a,b,label\n5,6,1\n1,nan,0\n", ":3:2: column 'b' holds 'nan'; NaN and infinite values are not allowed"),
            ("a,b,label\n5,6,1\n1,inf,0\n", ":3:2: column 'b' holds 'inf'; NaN and infinite values are not allowed"),
            ("a,b,label\n5,6,1\n1,1e999,0\n", ":3:2: column 'b' holds '1e999', too large for float64"),
            ("a,b,label\n5,6,1\n1,2,\n", ":3:3: the label in column 'label' is empty"),
            ("a,b,label\n5,6,1\n1,\"2,0\n3,4,1\n", "a quoted field is never closed"),
            ("a,b,label\n5,6,1\n1,\"2\"x,0\n", ":3:2: unexpected 'x' after a quoted field"),
            ("a,b,label\n1,2,yes\n3,4,1\n", "label column 'label' holds text ('yes') but also numbers"),
            ("", "the file is empty"),
            ("a,b,label\n", "no data rows after the header"),
            ("label\n1\n", "need at least one feature column and a label column"),
            (
                "a b label\n1 2 0\n",
                "the header has 1 column; need at least one feature column and a label column (descent separates columns by commas, or by tabs or semicolons"
            ),
            ("a\tb\tlabel\n5\t6\t1\n1\t\t0\n", ":3:2: column 'b' is empty"),
            ("a\tb\tlabel\n5\t6\t1\n1\t2\n", ":3: 2 columns, but the header has 3"),
            ("a\tb\tlabel\n5\t6\t1\n1\t2,5\t0\n", ":3:2: column 'b' holds '2,5', which is not a number"),
            (
                "a;b;label\n5;6;1\n1;2,5;0\n",
                ":3:2: column 'b' holds '2,5', which is not a number (decimal commas are not read"
            ),
            ("a;b;label\n5;6;1\n1;\"2\"x;0\n", ":3:2: unexpected 'x' after a quoted field"),
            ("a;b;label\n5;6;1\n1;2;0;4\n", ":3: 4 columns, but the header has 3"),
        ]
        for (text, expected) in cases {
            let path = temporaryFile(text)
            do {
                _ = try DataPreparation.prepare(
                    DataSource(origin: .files(train: path, test: nil, labelColumn: nil), seed: 1),
                    as: Double.self, executor: ShardedExecutor(threads: 2))
                Issue.record("\(text.debugDescription) was accepted")
            } catch {
                #expect(
                    "\(error)".contains(path + expected)
                        || ("\(error)".contains(path) && "\(error)".contains(expected)),
                    "\(text.debugDescription): \(error)")
            }
        }
        #expect(throws: DescentError.self) { try MappedFile(path: "/nonexistent/file.csv", role: "--train") }
    }
}
