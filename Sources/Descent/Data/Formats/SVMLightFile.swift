import Foundation

/// How an svmlight file numbers its features (`--zero-based`, scikit-learn's `zero_based`).
package enum IndexBase: String, Sendable, CaseIterable {
    /// One-based unless some index is 0 (scikit-learn's `zero_based="auto"`).
    case auto
    /// Index 0 is the first feature.
    case zero
    /// Index 1 is the first feature; an index of 0 is an error.
    case one
}

/// An svmlight / libsvm text file (`label index:value index:value ... # comment`), memory
/// mapped and read in parallel byte ranges straight into compressed-row shards
/// (``SparseRows``).
///
/// Reading is two passes over the mapped bytes. The first counts each range's lines and each
/// row's entries (its colons before any `#`), so every row's place is known before a value is
/// parsed: the second pass parses each row straight into its chunk of its part of the split
/// (no intermediate copy). Blank lines and lines holding only a comment are not rows, as
/// scikit-learn's `load_svmlight_file` skips them; every message names the line.
///
/// As scikit-learn requires, the indices of a row must increase (no repeats); `qid:` is
/// refused (Descent does not rank).
package final class SVMLightFile: @unchecked Sendable {
    package let path: String
    let file: MappedFile
    /// The byte ranges read in parallel, each starting at a line start.
    let ranges: [Range<Int>]
    /// The 1-based number of each range's first line.
    let firstLines: [Int]
    /// The first row of each range.
    let firstRows: [Int]
    /// The entries of each row, in file order.
    let entries: [Int32]
    package var rowCount: Int { entries.count }

    /// The smallest byte range read on its own (the fuzzer lowers it to split small files).
    nonisolated(unsafe) static var minimumPartBytes = 1 << 16

    /// Whether `path` names an svmlight file by its extension (`.svm`, `.svmlight`, `.libsvm`).
    package static func named(_ path: String) -> Bool {
        let lower = path.lowercased()
        return [".svm", ".svmlight", ".libsvm"].contains { lower.hasSuffix($0) }
    }

    /// Maps and counts the file. Throws when it cannot be read or holds no rows.
    package init(path: String, role: String, executor: ShardedExecutor) throws {
        self.path = path
        let file = try MappedFile(path: path, role: role)
        self.file = file
        if let problem = RowFiles.notText(file.bytes, count: file.count, path: path) {
            throw DescentError.input(
                "\(path): \(problem.replacingOccurrences(of: "CSV", with: "svmlight"))")
        }
        let parts = max(
            1, min(RowSink<Double>.maximumParts, executor.threads * 4, file.count / SVMLightFile.minimumPartBytes + 1))
        var cuts = [0]
        for k in 1..<parts {
            var at = max(cuts.last!, file.count * k / parts)
            while at < file.count && at > 0 && file.bytes[at - 1] != 0x0A { at += 1 }
            cuts.append(at)
        }
        cuts.append(file.count)
        let ranges = (0..<parts).map { cuts[$0]..<cuts[$0 + 1] }
        self.ranges = ranges
        var counted = [(lines: Int, rows: [Int32])](repeating: (0, []), count: parts)
        counted.withUnsafeMutableBufferPointer { out in
            let box = UncheckedBox(out.baseAddress!)
            executor.run(iterations: min(parts, executor.threads)) { s in
                let workers = min(parts, executor.threads)
                for k in (s * parts / workers)..<((s + 1) * parts / workers) {
                    box.value[k] = SVMLightFile.count(file.bytes, in: ranges[k])
                    // The pages go back as a range is done (they are read again from the page
                    // cache): the file's bytes and the rows are never all resident at once.
                    file.release(ranges[k])
                }
            }
        }
        var firstLines: [Int] = []
        var firstRows: [Int] = []
        var line = 1
        var row = 0
        var entries: [Int32] = []
        for part in counted {
            firstLines.append(line)
            firstRows.append(row)
            line += part.lines
            row += part.rows.count
            entries.append(contentsOf: part.rows)
        }
        self.firstLines = firstLines
        self.firstRows = firstRows
        self.entries = entries
        guard !entries.isEmpty else {
            throw DescentError.input(
                "\(path): no rows (every line is blank or a comment); an svmlight file has a row a line: label index:value ..."
            )
        }
    }

    /// The lines of a range and the entries of each of its rows (colons before any `#`).
    static func count(_ bytes: UnsafePointer<UInt8>, in range: Range<Int>) -> (lines: Int, rows: [Int32]) {
        var rows: [Int32] = []
        var lines = 0
        var i = range.lowerBound
        while i < range.upperBound {
            var colons: Int32 = 0
            var content = false
            var comment = false
            while i < range.upperBound && bytes[i] != 0x0A {
                let b = bytes[i]
                if b == 0x23 { comment = true }
                if !comment {
                    if b == 0x3A { colons += 1 }
                    if b != 0x20 && b != 0x09 && b != 0x0D { content = true }
                }
                i += 1
            }
            i += 1
            lines += 1
            if content { rows.append(colons) }
        }
        return (lines, rows)
    }

    /// A position as messages name it: `file.svm:LINE` or `file.svm:LINE:COLUMN`.
    package func describe(position line: Int) -> String { "\(path):\(line)" }

    /// What one part of a parse found: the smallest and largest index, and the labels.
    struct PartResult {
        var minimumIndex = UInt64.max
        var maximumIndex: UInt64 = 0
        var labels = LabelCollector()
    }

    /// Where the rows go: row r of the file to `place(r)`, a (set, row) pair, with the
    /// sets' compressed rows and label slots (one `T` a row: a label token, or the target).
    struct Destination<T: KernelScalar>: @unchecked Sendable {
        let rows: [SparseRows<T>]
        let labels: [UnsafeMutablePointer<T>]
        let chunkShift: Int
        let place: @Sendable (Int) -> (set: Int, row: Int)
    }

    /// Parses every row into `destination`. Labels become tokens (``RowSink/labelToken(part:id:)``)
    /// for the parts' collectors, or with `targets` the numbers themselves.
    func parse<T: KernelScalar>(into destination: Destination<T>, targets: Bool, executor: ShardedExecutor) throws
        -> [PartResult]
    {
        let parts = ranges.count
        var results = [PartResult](repeating: PartResult(), count: parts)
        var errors = [String?](repeating: nil, count: parts)
        results.withUnsafeMutableBufferPointer { out in
            errors.withUnsafeMutableBufferPointer { errorsOut in
                let box = UncheckedBox((out.baseAddress!, errorsOut.baseAddress!))
                let workers = min(parts, executor.threads)
                executor.run(iterations: workers) { s in
                    for k in (s * parts / workers)..<((s + 1) * parts / workers) {
                        do {
                            box.value.0[k] = try self.parse(part: k, into: destination, targets: targets)
                        } catch DescentError.input(let message) {
                            box.value.1[k] = message
                        } catch {
                            box.value.1[k] = "\(error)"
                        }
                    }
                }
            }
        }
        if let message = errors.compactMap({ $0 }).first { throw DescentError.input(message) }
        return results
    }

    func parse<T: KernelScalar>(part k: Int, into destination: Destination<T>, targets: Bool) throws -> PartResult {
        let bytes = file.bytes
        let end = ranges[k].upperBound
        var result = PartResult()
        var i = ranges[k].lowerBound
        var released = i
        defer { file.release(released..<end) }
        var line = firstLines[k]
        var row = firstRows[k]
        let parser = DecimalParser.shared
        let mask = (1 << destination.chunkShift) - 1
        @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        while i < end {
            let lineStart = i
            var lineEnd = i
            while lineEnd < end && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            var contentEnd = lineStart
            while contentEnd < lineEnd && bytes[contentEnd] != 0x23 { contentEnd += 1 }
            defer {
                i = lineEnd + 1
                line += 1
                if i - released >= 4 << 20 {
                    file.release(released..<i)
                    released = i
                }
            }
            var p = lineStart
            while p < contentEnd && isSpace(bytes[p]) { p += 1 }
            if p == contentEnd { continue }
            func fail(_ at: Int, _ what: String) -> DescentError {
                DescentError.input("\(path):\(line):\(at - lineStart + 1): \(what)")
            }
            // The label: one token.
            let labelStart = p
            while p < contentEnd && !isSpace(bytes[p]) { p += 1 }
            let labelText = UnsafeBufferPointer(start: bytes + labelStart, count: p - labelStart)
            if labelText.contains(0x3A) {
                throw fail(
                    labelStart,
                    "the line starts with '\(String(decoding: labelText, as: UTF8.self))', not a label; every row starts with its label, then index:value pairs"
                )
            }
            let place = destination.place(row)
            var labelValue: Double?
            if case .number(let v, let stop) = parser.parse(bytes, from: labelStart, to: p), stop == p {
                labelValue = v
            }
            let token: T
            if targets {
                guard let value = labelValue else {
                    throw fail(
                        labelStart,
                        "target '\(String(decoding: labelText, as: UTF8.self))' is not a number; a regression file's labels are numbers"
                    )
                }
                token = T(value)
            } else if let value = labelValue {
                token = RowSink<T>.labelToken(part: k, id: result.labels.id(number: value, text: labelText, at: line))
            } else {
                token = RowSink<T>.labelToken(part: k, id: result.labels.id(text: labelText, at: line))
            }
            let expected = Int(entries[row])
            let chunk = place.row >> destination.chunkShift
            let local = place.row & mask
            let rows = destination.rows[place.set]
            let start = rows.offsets(chunk)[local]
            let indices = rows.indices(chunk) + start
            let values = rows.values(chunk) + start
            destination.labels[place.set][place.row] = token
            var stored = 0
            var previous: UInt64?
            while true {
                while p < contentEnd && isSpace(bytes[p]) { p += 1 }
                if p == contentEnd { break }
                let tokenStart = p
                while p < contentEnd && !isSpace(bytes[p]) { p += 1 }
                let tokenEnd = p
                var colon = tokenStart
                while colon < tokenEnd && bytes[colon] != 0x3A { colon += 1 }
                // The token as text, for messages only (made when one is thrown).
                var text: String {
                    String(
                        decoding: UnsafeBufferPointer(start: bytes + tokenStart, count: tokenEnd - tokenStart),
                        as: UTF8.self)
                }
                guard colon < tokenEnd else {
                    throw fail(
                        tokenStart, "'\(text)' is not index:value; each feature is written index:value, as 3:0.5")
                }
                // "qid", in any case.
                if colon - tokenStart == 3 && bytes[tokenStart] | 0x20 == 0x71 && bytes[tokenStart + 1] | 0x20 == 0x69
                    && bytes[tokenStart + 2] | 0x20 == 0x64
                {
                    throw fail(
                        tokenStart,
                        "'\(text)': query ids (qid:) are for ranking, which descent does not do; remove the qid: fields (cut -d' ' -f1,3- on a file whose qid: is second)"
                    )
                }
                var index: UInt64 = 0
                var digits = 0
                var q = tokenStart
                if bytes[q] == 0x2B { q += 1 }  // '+'
                while q < colon, bytes[q] &- 0x30 < 10 {
                    index = index &* 10 &+ UInt64(bytes[q] &- 0x30)
                    digits += 1
                    if index > UInt64(UInt32.max) - 1 {
                        throw fail(tokenStart, "index in '\(text)' is too large; indices go up to \(UInt32.max - 1)")
                    }
                    q += 1
                }
                if bytes[tokenStart] == 0x2D {
                    throw fail(tokenStart, "negative index in '\(text)'; feature indices are 0 or more")
                }
                guard digits > 0 && q == colon else {
                    throw fail(
                        tokenStart,
                        "index in '\(text)' is not a whole number; each feature is written index:value, as 3:0.5")
                }
                guard colon + 1 < tokenEnd else {
                    throw fail(colon + 1, "'\(text)' has no value after the colon; write index:value, as 3:0.5")
                }
                let value: Double
                switch parser.parse(bytes, from: colon + 1, to: tokenEnd) {
                case .number(let v, let stop) where stop == tokenEnd: value = v
                case .nonFinite(let stop) where stop == tokenEnd:
                    throw fail(
                        colon + 1,
                        "value in '\(text)' is not finite (inf, nan, or beyond float64's 1.8e308); use finite numbers")
                default:
                    throw fail(colon + 1, "value in '\(text)' is not a number")
                }
                if let previous, index <= previous {
                    throw fail(
                        tokenStart,
                        "index \(index) after \(previous): the indices of a row must increase, with no repeats (as scikit-learn requires); sort each row's index:value pairs"
                    )
                }
                previous = index
                guard stored < expected else {
                    throw fail(
                        tokenStart, "more index:value pairs than colons counted; the line changed while it was read?")
                }
                indices[stored] = UInt32(index)
                values[stored] = T(value)
                stored += 1
                result.minimumIndex = min(result.minimumIndex, index)
                result.maximumIndex = max(result.maximumIndex, index)
            }
            if stored != expected {
                // A colon inside the label or a token written oddly ("1:2:3") counts twice.
                throw fail(
                    labelStart, "a field holds more than one colon; each feature is written index:value, as 3:0.5")
            }
            row += 1
        }
        return result
    }
}
