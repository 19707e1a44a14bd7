#if os(Linux)
import Glibc
#else
import Darwin
#endif

/// A CSV file of numeric features and one label column, parsed in parallel by byte ranges
/// straight into datasets.
///
/// The dialect is RFC 4180 with the liberties real writers take: an optional UTF-8 byte
/// order mark; LF, CRLF or CR line ends (the first line end sets the style); fields in
/// double quotes, which may hold separators, line breaks and doubled quotes (`""`); spaces
/// and tabs around fields; blank lines anywhere. The separator is a comma, or a tab or a
/// semicolon when the first record holds none outside quotes (tab-separated files, and the
/// `;` that spreadsheets in decimal-comma locales write); in a tab-separated file only
/// spaces around fields are padding. The first record is a header unless every one
/// of its fields is a number (as `numpy.savetxt` writes without `header=`); then features
/// are named x0, x1, ... A first header field that is empty marks a row index (as pandas'
/// `to_csv` writes it) and that column is skipped.
///
/// Reading takes two passes over the mapped file, each split into one byte range per
/// thread at record boundaries (found outside quotes by counting quote characters before
/// each nominal split point). Pass one counts each range's records, so that every record
/// knows its global row index; pass two parses each range's numbers with
/// `DecimalParser` (exact, so the bits do not depend on the split) and writes them to
/// the rows' places in the datasets. Pages already parsed are released as the passes go,
/// so the file does not stay resident beside the data.
package final class CSVFile: RowFile, @unchecked Sendable {
    package let path: String
    package let featureNames: [String]
    package let labelName: String?
    package private(set) var rowCount = 0
    package let namedColumns: Bool
    /// Whether rows carry a weight (`--weight-column`), read into the slot after the label's.
    package let hasWeights: Bool
    package let readsTargets: Bool
    let file: MappedFile
    /// What each column holds: a feature index >= 0, `labelSlot` or `skippedSlot`.
    let slots: [Int]
    static let labelSlot = -1, skippedSlot = -2
    let columnNames: [String]
    /// The line-end byte (`\n`, or `\r` for files with CR line ends).
    let terminator: UInt8
    /// The field separator: `,`, or `\t` or `;` (``separator(_:from:to:terminator:)``).
    let separator: UInt8
    /// The byte besides the space that pads fields: the tab, or the space again in a
    /// tab-separated file (where a tab is a separator), so `b == space || b == pad` reads
    /// "padding" in both.
    let pad: UInt8
    /// Whether the data rows hold any quote character (set while splitting).
    var hasQuotes = false
    /// Byte ranges of whole records, in file order, and the line number each starts on.
    var ranges: [Range<Int>] = []
    var rangeFirstLines: [Int] = []
    var rangeRowStarts: [Int] = []

    static let comma = UInt8(ascii: ","), semicolon = UInt8(ascii: ";"), quote = UInt8(ascii: "\""),
        space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
    static let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    /// Files with fewer data bytes than this are read as one part. Only the fuzzer lowers it
    /// (to split small inputs, where the quote-parity logic is easiest to get wrong).
    nonisolated(unsafe) static var minimumSplitBytes = 1 << 16
    /// Pages are released behind each pass every this many bytes.
    static let releaseInterval = 8 << 20

    /// Opens `file` as CSV: reads the header, splits the records into ranges and counts them.
    ///
    /// - Throws: ``DescentError/input(_:)`` naming the file (and line) for an empty file, a
    ///   header too narrow, or an unknown label column.
    package init(
        file: MappedFile, labelColumn: LabelColumnChoice, weightColumn: WeightColumnChoice? = nil,
        targets: Bool = false, executor: ShardedExecutor
    ) throws {
        self.file = file
        path = file.path
        let bytes = file.bytes
        let count = file.count
        var start = 0
        if count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        // The line-end style: the first line end outside quotes.
        var terminator = CSVFile.lf
        do {
            var inQuote = false
            var i = start
            while i < count {
                let b = bytes[i]
                if b == CSVFile.quote {
                    inQuote.toggle()
                } else if !inQuote && (b == CSVFile.lf || b == CSVFile.cr) {
                    if b == CSVFile.cr && (i + 1 == count || bytes[i + 1] != CSVFile.lf) { terminator = CSVFile.cr }
                    break
                }
                i += 1
            }
        }
        self.terminator = terminator
        // Skip blank lines (spaces and tabs only: a line of tabs is blank whatever the
        // separator, as before the separator is known), then read the first record.
        var line = 1
        var position = start
        while position < count {
            let end = CSVFile.lineEnd(bytes, from: position, to: count, terminator: terminator)
            if !CSVFile.isBlank(bytes, from: position, to: end, terminator: terminator, pad: CSVFile.tab) { break }
            position = end < count ? end + 1 : count
            if end < count { line += 1 }
        }
        guard position < count else {
            throw DescentError.input("\(file.path): the file is empty; expected a header row and data rows")
        }
        let separator = CSVFile.separator(bytes, from: position, to: count, terminator: terminator)
        let pad = separator == CSVFile.tab ? CSVFile.space : CSVFile.tab
        self.separator = separator
        self.pad = pad
        var fields: [[UInt8]] = []
        var cursor = position
        var headerLines = 0
        try CSVFile.readRecord(
            bytes, at: &cursor, end: count, terminator: terminator, separator: separator, pad: pad,
            path: file.path, line: line, fields: &fields, lines: &headerLines)
        // A header unless every field but the last is a number (the last may be a text label).
        let numeric =
            fields.count >= 2
            && fields.dropLast().allSatisfy { DecimalParser.shared.parse(CSVFile.trimmed($0, pad: pad)) != nil }
        var names = fields.map { CSVFile.trimmed($0, pad: pad) }
        let dataStart: Int
        let firstDataLine: Int
        if numeric {
            dataStart = position
            firstDataLine = line
            names = (0..<names.count).map { "column \($0)" }
        } else {
            dataStart = cursor
            firstDataLine = line + headerLines
        }
        namedColumns = !numeric
        let columns = names.count
        var slots = [Int](repeating: 0, count: columns)
        let indexColumn = !numeric && columns >= 3 && names[0].isEmpty
        if indexColumn { slots[0] = CSVFile.skippedSlot }
        let usable = indexColumn ? Array(1..<columns) : Array(0..<columns)
        // The weight column first (it is neither a feature nor the label); an optional one
        // named by index only in a file of the training layout: features, weight, label.
        var trainingColumns: Int?
        if case .ifPresent(_, let featureCount) = labelColumn {
            trainingColumns = featureCount + 2 + (indexColumn ? 1 : 0)
        }
        let weightIndex = try weightColumn?.resolve(
            names: numeric ? nil : names, columns: columns, path: file.path, trainingColumns: trainingColumns)
        // The label column.
        var labelIndex: Int?
        switch labelColumn {
        case .last:
            labelIndex = columns - 1
        case .named(let name):
            if !numeric, let found = names.firstIndex(of: name) {
                labelIndex = found
            } else if let index = LabelColumnChoice.index(name, columns: columns) {
                labelIndex = index
            } else {
                throw DescentError.input(
                    "\(file.path): no column named '\(name)' for --label-column; "
                        + (numeric
                            ? "the file has no header, so give a 0-based column index below \(columns) (or -1 for the last)"
                            : "the header has: \(names.joined(separator: ", ")) (or give a 0-based index below \(columns), -1 for the last)")
                )
            }
        case .ifPresent(let name, let featureCount):
            if !numeric, let name, let found = names.firstIndex(of: name) {
                labelIndex = found
            } else if usable.filter({ $0 != weightIndex }).count == featureCount + 1 {
                // One column more than the model's features: the last one that is not the weight.
                labelIndex = usable.last { $0 != weightIndex }
            }
        }
        if let labelIndex { slots[labelIndex] = CSVFile.labelSlot }
        if let weightIndex, weightIndex == labelIndex {
            throw DescentError.input(
                "\(file.path): --weight-column '\(weightColumn!.name)' is the label column; the weights need a column of their own"
            )
        }
        let featureColumns = usable.filter { $0 != labelIndex && $0 != weightIndex }
        guard !featureColumns.isEmpty else {
            throw DescentError.input(
                "\(file.path):\(line): the header has \(columns) column\(columns == 1 ? "" : "s"); need at least one feature column and a label column"
                    + (columns == 1
                        ? " (descent separates columns by commas, or by tabs or semicolons when the first row holds no comma)"
                        : ""))
        }
        for (j, column) in featureColumns.enumerated() { slots[column] = j }
        // The weight goes to the slot after the label's (``Dataset/weightOffset``); regression
        // targets are numbers read straight into the label's slot.
        if let weightIndex { slots[weightIndex] = featureColumns.count + 1 }
        if targets, let labelIndex { slots[labelIndex] = featureColumns.count }
        readsTargets = targets
        hasWeights = weightIndex != nil
        self.slots = slots
        columnNames = numeric ? (0..<columns).map { String($0 + 1) } : names
        featureNames = numeric ? (0..<featureColumns.count).map { "x\($0)" } : featureColumns.map { names[$0] }
        labelName = labelIndex.map { numeric ? "label" : names[$0] }
        try split(from: dataStart, firstLine: firstDataLine, executor: executor)
        guard rowCount > 0 else { throw DescentError.input("\(file.path): no data rows after the header") }
        // A record of n fields takes at least n bytes, so rows x columns cannot exceed the
        // data's size; when it does, some record is short, and saying so now saves allocating
        // rows x columns values for a file that cannot be read (a wide header over many
        // one-number lines would ask for gigabytes).
        let (cells, overflow) = rowCount.multipliedReportingOverflow(by: columns)
        if overflow || cells > count - dataStart + 1 {
            throw CSVFile.shortRecordError(
                bytes, from: dataStart, to: count, terminator: terminator, separator: separator, pad: pad,
                columns: columns, firstLine: firstDataLine, path: file.path)
        }
    }

    package func describe(position: Int) -> String { "\(path):\(position)" }

    // MARK: Splitting and counting

    /// Splits `dataStart..<count` into one range per thread at record boundaries and counts
    /// each range's records and lines (pass one).
    func split(from dataStart: Int, firstLine: Int, executor: ShardedExecutor) throws {
        let bytes = file.bytes
        let count = file.count
        let terminator = self.terminator
        let length = count - dataStart
        let parts = length < CSVFile.minimumSplitBytes ? 1 : min(executor.threads, RowSink<Double>.maximumParts)
        let nominal = (0...parts).map { dataStart + $0 * length / parts }
        // First assume no quotes (the usual numeric file): split at the line end after each
        // nominal point and count, looking for quote characters on the way (in cache).
        var bounds = nominal
        for k in 1..<parts where !(bounds[k] > dataStart && bytes[bounds[k] - 1] == terminator) {
            bounds[k] = min(count, CSVFile.lineEnd(bytes, from: bounds[k], to: count, terminator: terminator) + 1)
        }
        for k in 1...parts { bounds[k] = max(bounds[k], bounds[k - 1]) }
        var counted = countRecords(
            ranges: (0..<parts).map { bounds[$0]..<bounds[$0 + 1] }, quotes: false, executor: executor)
        if counted.contains(where: { $0.quotes }) {
            // Quotes: count them per nominal range; their parity before each nominal point
            // says whether it falls inside a quoted field; split outside quotes and count again.
            hasQuotes = true
            var inQuoteAt = [Bool](repeating: false, count: parts + 1)
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: parts)
            defer { counts.deallocate() }
            let box = UncheckedBox(counts)
            executor.run(iterations: parts) { k in
                var n = 0
                var i = nominal[k]
                while i < nominal[k + 1], let found = memchr(bytes + i, Int32(CSVFile.quote), nominal[k + 1] - i) {
                    n += 1
                    i = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - bytes + 1
                }
                box.value[k] = n
            }
            var parity = 0
            for k in 0..<parts {
                parity += counts[k]
                inQuoteAt[k + 1] = parity % 2 == 1
            }
            bounds = nominal
            for k in 1..<parts {
                var i = bounds[k]
                var inQuote = inQuoteAt[k]
                // A point just after a line end outside quotes is already a record start.
                if !(i > dataStart && bytes[i - 1] == terminator && !inQuote) {
                    while i < count {
                        let b = bytes[i]
                        if b == CSVFile.quote {
                            inQuote.toggle()
                        } else if b == terminator && !inQuote {
                            i += 1
                            break
                        }
                        i += 1
                    }
                }
                bounds[k] = min(count, i)
            }
            for k in 1...parts { bounds[k] = max(bounds[k], bounds[k - 1]) }
            counted = countRecords(
                ranges: (0..<parts).map { bounds[$0]..<bounds[$0 + 1] }, quotes: true, executor: executor)
            // The count takes every quote as opening or closing a field. An odd number of them
            // (always checked) or a stray one (checked in files of one part, where it is cheap)
            // would miscount: say where, as a reader that honours quotes only at a field's
            // start finds it.
            if parity % 2 == 1 || parts == 1,
                let problem = CSVFile.quoteProblem(
                    bytes, from: dataStart, to: count, terminator: terminator, separator: separator, pad: pad,
                    firstLine: firstLine)
            {
                throw DescentError.input("\(file.path):\(problem)")
            }
        }
        ranges = (0..<parts).map { bounds[$0]..<bounds[$0 + 1] }
        var row = 0
        var line = firstLine
        rangeRowStarts = []
        rangeFirstLines = []
        for k in 0..<parts {
            rangeRowStarts.append(row)
            rangeFirstLines.append(line)
            row += counted[k].records
            line += counted[k].lines
        }
        rangeRowStarts.append(row)
        rowCount = row
    }

    /// Pass one over every range in parallel.
    func countRecords(ranges: [Range<Int>], quotes: Bool, executor: ShardedExecutor) -> [(
        records: Int, lines: Int, quotes: Bool
    )] {
        let counted = UnsafeMutableBufferPointer<(records: Int, lines: Int, quotes: Bool)>.allocate(
            capacity: ranges.count)
        defer { counted.deallocate() }
        let box = UncheckedBox(counted)
        let file = self.file
        let terminator = self.terminator
        let pad = self.pad
        executor.run(iterations: ranges.count) { k in
            box.value[k] = CSVFile.countRecords(file, in: ranges[k], terminator: terminator, pad: pad, quotes: quotes)
        }
        return Array(counted)
    }

    /// Pass one over one range: the records (non-blank lines, a quoted line break not
    /// ending one) and the line ends it holds. Without `quotes` it stops early, reporting
    /// `quotes: true`, at the first quote character.
    static func countRecords(_ file: MappedFile, in range: Range<Int>, terminator: UInt8, pad: UInt8, quotes: Bool) -> (
        records: Int, lines: Int, quotes: Bool
    ) {
        let bytes = file.bytes
        var records = 0
        var lines = 0
        var i = range.lowerBound
        var released = i
        if !quotes {
            // Quotes are looked for a window at a time, just ahead of the lines (so in cache).
            var checked = i
            while i < range.upperBound {
                if checked <= i {
                    let windowEnd = min(range.upperBound, i + (64 << 10))
                    if memchr(bytes + i, Int32(quote), windowEnd - i) != nil { return (0, 0, true) }
                    checked = windowEnd
                }
                let end = lineEnd(bytes, from: i, to: range.upperBound, terminator: terminator)
                if end > checked {
                    if memchr(bytes + checked, Int32(quote), end - checked) != nil { return (0, 0, true) }
                    checked = end
                }
                if !isBlank(bytes, from: i, to: end, terminator: terminator, pad: pad) { records += 1 }
                if end < range.upperBound { lines += 1 }
                i = end + 1
                if i - released >= releaseInterval {
                    file.release(released..<i)
                    released = i
                }
            }
        } else {
            var inQuote = false
            var content = false
            while i < range.upperBound {
                let b = bytes[i]
                if inQuote {
                    if b == quote { inQuote = false } else if b == terminator { lines += 1 }
                } else if b == quote {
                    inQuote = true
                    content = true
                } else if b == terminator {
                    lines += 1
                    if content { records += 1 }
                    content = false
                } else if b != space && b != pad && b != cr {
                    content = true
                }
                i += 1
            }
            if content { records += 1 }
        }
        file.release(released..<range.upperBound)
        return (records, lines, false)
    }

    /// The index of the first `terminator` at or after `start`, or `end`.
    @inline(__always)
    static func lineEnd(_ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int, terminator: UInt8) -> Int {
        guard start < end, let found = memchr(bytes + start, Int32(terminator), end - start) else { return end }
        return UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - bytes
    }

    /// Whether `bytes[start..<end]` holds only padding (spaces and `pad`) and carriage returns.
    @inline(__always)
    static func isBlank(_ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int, terminator: UInt8, pad: UInt8)
        -> Bool
    {
        var i = start
        while i < end {
            let b = bytes[i]
            if b != space && b != pad && b != cr { return false }
            i += 1
        }
        return true
    }

    static func trimmed(_ field: [UInt8], pad: UInt8) -> String {
        var s = field[...]
        while let f = s.first, f == space || f == pad { s = s.dropFirst() }
        while let l = s.last, l == space || l == pad || l == cr { s = s.dropLast() }
        return String(decoding: s, as: UTF8.self)
    }

    /// The separator of the record starting at `start`: a comma if it holds one outside
    /// quotes, else a tab if it holds one between two fields, else a semicolon if it holds
    /// one, else a comma. A tab beside a semicolon (`a;\tb`) pads rather than separates. A
    /// quote opens a quoted field only at a field's start, as ``readRecord`` reads it.
    static func separator(_ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int, terminator: UInt8) -> UInt8 {
        var tabs = false
        var semicolons = false
        var inQuote = false
        var atFieldStart = true
        var tabPending = false
        var previous: UInt8 = 0  // the last byte outside quotes that is not a space or a tab
        var i = start
        while i < end {
            let b = bytes[i]
            i += 1
            if inQuote {
                // A doubled quote is a quote inside the field.
                if b == quote { if i < end && bytes[i] == quote { i += 1 } else { inQuote = false } }
                continue
            }
            if b == terminator { break }
            if b == space { continue }
            if b == tab {
                if previous != semicolon { tabPending = true }
                atFieldStart = true
                continue
            }
            if tabPending && b != semicolon { tabs = true }
            tabPending = false
            previous = b
            if b == comma { return comma }
            if b == semicolon {
                semicolons = true
                atFieldStart = true
                continue
            }
            if b == quote && atFieldStart { inQuote = true }
            atFieldStart = false
        }
        return tabs ? tab : (semicolons ? semicolon : comma)
    }

    /// Reads one record's fields (unquoted and unescaped) starting at `cursor`, leaving
    /// `cursor` at the start of the next line; for the header.
    static func readRecord(
        _ bytes: UnsafePointer<UInt8>, at cursor: inout Int, end: Int, terminator: UInt8, separator: UInt8, pad: UInt8,
        path: String, line: Int, fields: inout [[UInt8]], lines: inout Int
    ) throws {
        var field: [UInt8] = []
        var i = cursor
        lines = 1
        while i < end {
            let b = bytes[i]
            if b == quote && field.allSatisfy({ $0 == space || $0 == pad }) {
                field = []
                i += 1
                var closed = false
                while i < end {
                    if bytes[i] == quote {
                        if i + 1 < end && bytes[i + 1] == quote {
                            field.append(quote)
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    if bytes[i] == terminator { lines += 1 }
                    field.append(bytes[i])
                    i += 1
                }
                if !closed {
                    throw DescentError.input(
                        "\(path):\(line): a quoted field is never closed; end it with a double quote")
                }
                continue
            }
            if b == separator {
                fields.append(field)
                field = []
                i += 1
                continue
            }
            if b == terminator {
                i += 1
                break
            }
            field.append(b)
            i += 1
        }
        fields.append(field)
        cursor = i
    }

    // MARK: Parsing (pass two)

    // Called through the RowFile protocol, which would run the generic code unspecialized.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package func read<T: KernelScalar>(into sink: RowSink<T>, executor: ShardedExecutor) throws -> [LabelCollector] {
        let plan = sink.plan(rowStarts: rangeRowStarts, executor: executor)
        return try LabelCollector.collect(parts: ranges.count, executor: executor, path: path) { k, labels in
            try self.parse(range: k, into: plan, labels: &labels)
        }
    }

    /// Parses range `k`: every record to its row's place, labels to the collector.
    func parse<T: KernelScalar>(range k: Int, into plan: RowSink<T>.Plan, labels: inout LabelCollector) throws {
        let sink = plan.sink
        var cursor = plan.cursor(part: k)
        let bytes = file.bytes
        let end = ranges[k].upperBound
        let terminator = self.terminator
        let stride = sink.stride
        let separator = self.separator
        let pad = self.pad
        let parser = DecimalParser.shared
        let columns = slots.count
        var row = rangeRowStarts[k]
        let rowEnd = rangeRowStarts[k + 1]
        var line = rangeFirstLines[k]
        var i = ranges[k].lowerBound
        var released = i
        var unescaped: [UInt8] = []
        let labelOffset = sink.labelOffset
        @inline(__always) func storeLabel(_ id: UInt32, _ base: UnsafeMutablePointer<T>) throws {
            guard id < RowSink<T>.maximumLabelsPerPart else {
                throw DescentError.input(
                    "\(path):\(line): more than \(RowSink<T>.maximumLabelsPerPart) distinct labels; is --label-column the right column?"
                )
            }
            base[labelOffset] = RowSink<T>.labelToken(part: k, id: id)
        }
        try slots.withUnsafeBufferPointer { slots in
            while i < end {
                // Blank lines hold no record.
                var j = i
                while j < end
                    && (bytes[j] == CSVFile.space || bytes[j] == pad
                        || (bytes[j] == CSVFile.cr && terminator != CSVFile.cr))
                { j += 1 }
                if j == end || bytes[j] == terminator {
                    if j < end { line += 1 }
                    i = j + 1
                    continue
                }
                guard row < rowEnd else {
                    throw DescentError.input(
                        "\(path):\(line): more records than counted; is a quote character unbalanced?")
                }
                let recordLine = line
                guard let base = cursor.nextKeptRow() else {
                    // A row another rank holds: to its line end, unparsed (that rank checks it).
                    if hasQuotes {
                        var inQuote = false
                        while i < end {
                            let b = bytes[i]
                            if b == CSVFile.quote {
                                inQuote.toggle()
                            } else if b == terminator {
                                if !inQuote { break }
                                line += 1
                            }
                            i += 1
                        }
                    } else {
                        i = CSVFile.lineEnd(bytes, from: i, to: end, terminator: terminator)
                    }
                    if i < end {
                        i += 1
                        line += 1
                    }
                    row += 1
                    if i - released >= CSVFile.releaseInterval {
                        file.release(released..<i)
                        released = i
                    }
                    continue
                }
                var column = 0
                while true {
                    // One field: i is at its first byte.
                    while i < end && (bytes[i] == CSVFile.space || bytes[i] == pad) { i += 1 }
                    let slot = column < columns ? slots[column] : CSVFile.skippedSlot
                    var contentStart = i
                    var contentEnd = i
                    var quoted = false
                    var escaped = false
                    if i < end && bytes[i] == CSVFile.quote {
                        quoted = true
                        i += 1
                        contentStart = i
                        while true {
                            guard i < end else {
                                throw DescentError.input(
                                    "\(path):\(recordLine):\(column + 1): a quoted field is never closed; end it with a double quote"
                                )
                            }
                            let b = bytes[i]
                            if b == CSVFile.quote {
                                if i + 1 < end && bytes[i + 1] == CSVFile.quote {
                                    escaped = true
                                    i += 2
                                    continue
                                }
                                break
                            }
                            if b == terminator { line += 1 }
                            i += 1
                        }
                        contentEnd = i
                        i += 1
                        while i < end && (bytes[i] == CSVFile.space || bytes[i] == pad) { i += 1 }
                    } else if slot >= 0 {
                        // The hot path: an unquoted number straight from the mapping.
                        if case .number(let value, let stop) = parser.parse(bytes, from: i, to: end) {
                            var s = stop
                            while s < end && (bytes[s] == CSVFile.space || bytes[s] == pad) { s += 1 }
                            if s == end || bytes[s] == separator || bytes[s] == terminator || bytes[s] == CSVFile.cr {
                                base[slot &* stride] = RowSink<T>.scalar(value)
                                i = s
                                contentEnd = s
                                if s < end && bytes[s] == CSVFile.cr && terminator != CSVFile.cr { i += 1 }
                                column += 1
                                if i < end && bytes[i] == separator {
                                    i += 1
                                    continue
                                }
                                break
                            }
                        }
                        contentEnd = CSVFile.fieldEnd(
                            bytes, from: i, to: end, terminator: terminator, separator: separator)
                        i = contentEnd
                    } else {
                        if slot == CSVFile.labelSlot,
                            case .number(let value, let stop) = parser.parse(bytes, from: i, to: end)
                        {
                            // A numeric label (the usual case): no copy, no string.
                            var s = stop
                            while s < end && (bytes[s] == CSVFile.space || bytes[s] == pad) { s += 1 }
                            if s == end || bytes[s] == separator || bytes[s] == terminator || bytes[s] == CSVFile.cr {
                                try storeLabel(
                                    labels.id(
                                        number: value, text: UnsafeBufferPointer(start: bytes + i, count: stop - i),
                                        at: recordLine), base)
                                i = s
                                if s < end && bytes[s] == CSVFile.cr && terminator != CSVFile.cr { i += 1 }
                                column += 1
                                if i < end && bytes[i] == separator {
                                    i += 1
                                    continue
                                }
                                break
                            }
                        }
                        contentEnd = CSVFile.fieldEnd(
                            bytes, from: i, to: end, terminator: terminator, separator: separator)
                        i = contentEnd
                    }
                    // Slow path: quoted fields, labels, skipped columns and errors.
                    var trimmedEnd = contentEnd
                    if !quoted, contentEnd > contentStart,
                        memchr(bytes + contentStart, Int32(CSVFile.quote), contentEnd - contentStart) != nil
                    {
                        // The record counter takes every quote as opening or closing a quoted
                        // field; one inside an unquoted field would make the count, and so the
                        // split into parts, depend on where the parts begin.
                        throw DescentError.input(
                            "\(path):\(recordLine):\(column + 1): a quote character inside the unquoted field of column '\(name(column))'; a field that holds quotes must be quoted whole, with each quote doubled"
                        )
                    }
                    if !quoted {
                        while trimmedEnd > contentStart
                            && (bytes[trimmedEnd - 1] == CSVFile.space || bytes[trimmedEnd - 1] == pad
                                || bytes[trimmedEnd - 1] == CSVFile.cr)
                        { trimmedEnd -= 1 }
                    }
                    if i < end && bytes[i] != separator && bytes[i] != terminator && !(bytes[i] == CSVFile.cr) {
                        throw DescentError.input(
                            "\(path):\(line):\(column + 1): unexpected '\(String(decoding: [bytes[i]], as: UTF8.self))' after a quoted field in column '\(name(column))'; a field that holds quotes must be quoted whole, with each quote doubled"
                        )
                    }
                    if slot != CSVFile.skippedSlot && column < columns {
                        var text = UnsafeBufferPointer(start: bytes + contentStart, count: trimmedEnd - contentStart)
                        if escaped {
                            unescaped.removeAll(keepingCapacity: true)
                            var q = contentStart
                            while q < trimmedEnd {
                                unescaped.append(bytes[q])
                                q += bytes[q] == CSVFile.quote ? 2 : 1
                            }
                        }
                        try unescaped.withUnsafeBufferPointer { buffer in
                            if escaped { text = buffer }
                            // Quoted values may have spaces inside the quotes.
                            var a = 0
                            var b = text.count
                            while a < b && (text[a] == CSVFile.space || text[a] == pad) { a += 1 }
                            while b > a && (text[b - 1] == CSVFile.space || text[b - 1] == pad) { b -= 1 }
                            let content = UnsafeBufferPointer(rebasing: text[a..<b])
                            var shown: String { String(decoding: content, as: UTF8.self) }
                            if slot >= 0 {
                                guard let pointer = content.baseAddress, !content.isEmpty else {
                                    throw DescentError.input(
                                        "\(path):\(recordLine):\(column + 1): column '\(name(column))' is empty; every feature needs a number: fill or drop the rows with missing values (in pandas, df.dropna() or df.fillna(value))"
                                    )
                                }
                                switch parser.parse(pointer, from: 0, to: content.count) {
                                case .number(let value, let stop) where stop == content.count:
                                    base[slot &* stride] = RowSink<T>.scalar(value)
                                case .nonFinite(let stop) where stop == content.count && CSVFile.isNumeral(content):
                                    throw DescentError.input(
                                        "\(path):\(recordLine):\(column + 1): column '\(name(column))' holds '\(shown)', too large for float64 (magnitudes up to 1.8e308); rescale the column"
                                    )
                                case .nonFinite(let stop) where stop == content.count:
                                    throw DescentError.input(
                                        "\(path):\(recordLine):\(column + 1): column '\(name(column))' holds '\(shown)'; NaN and infinite values are not allowed (clean or drop that row)"
                                    )
                                default:
                                    let decimalComma = separator == CSVFile.semicolon && content.contains(CSVFile.comma)
                                    throw DescentError.input(
                                        "\(path):\(recordLine):\(column + 1): column '\(name(column))' holds '\(shown)', which is not a number"
                                            + (decimalComma
                                                ? " (decimal commas are not read: write the numbers with a decimal point, as 1.5)"
                                                : ""))
                                }
                            } else {
                                guard !content.isEmpty else {
                                    throw DescentError.input(
                                        "\(path):\(recordLine):\(column + 1): the label in column '\(name(column))' is empty; every row needs a label"
                                    )
                                }
                                var id: UInt32
                                if case .number(let value, let stop) = parser.parse(
                                    content.baseAddress!, from: 0, to: content.count), stop == content.count
                                {
                                    id = labels.id(number: value, text: content, at: recordLine)
                                } else {
                                    id = labels.id(text: content, at: recordLine)
                                }
                                try storeLabel(id, base)
                            }
                        }
                    }
                    column += 1
                    if i < end && bytes[i] == CSVFile.cr && terminator != CSVFile.cr { i += 1 }
                    if i < end && bytes[i] == separator {
                        i += 1
                        continue
                    }
                    break
                }
                // i is at the record's line end (or the range's end).
                if column != columns {
                    throw DescentError.input(
                        "\(path):\(recordLine): \(column) columns, but the header has \(columns); every row needs one value per column"
                    )
                }
                if i < end {
                    guard bytes[i] == terminator else {
                        throw DescentError.input("\(path):\(line): unexpected text after the last column")
                    }
                    i += 1
                    line += 1
                }
                row += 1
                if i - released >= CSVFile.releaseInterval {
                    file.release(released..<i)
                    released = i
                }
            }
        }
        file.release(released..<end)
        guard row == rowEnd else {
            throw DescentError.input("\(path):\(line): fewer records than counted; is a quote character unbalanced?")
        }
    }

    /// The first misplaced quote character in `start..<end`, as "line: what is wrong", with
    /// quotes special only at the start of a field (after spaces) and doubled inside a quoted
    /// field; nil when every quote is in its place.
    static func quoteProblem(
        _ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int, terminator: UInt8, separator: UInt8, pad: UInt8,
        firstLine: Int
    ) -> String? {
        var line = firstLine
        var column = 1
        var openedLine = firstLine
        var openedColumn = 1
        var atFieldStart = true
        var inQuoted = false
        var i = start
        while i < end {
            let b = bytes[i]
            if inQuoted {
                if b == quote {
                    if i + 1 < end && bytes[i + 1] == quote {
                        i += 2
                        continue
                    }
                    inQuoted = false
                } else if b == terminator {
                    line += 1
                }
            } else if b == quote {
                guard atFieldStart else {
                    return
                        "\(line):\(column): a quote character inside an unquoted field; a field that holds quotes must be quoted whole, with each quote doubled"
                }
                inQuoted = true
                openedLine = line
                openedColumn = column
                atFieldStart = false
            } else if b == separator {
                atFieldStart = true
                column += 1
            } else if b == terminator {
                atFieldStart = true
                line += 1
                column = 1
            } else if b != space && b != pad {
                atFieldStart = false
            }
            i += 1
        }
        return inQuoted
            ? "\(openedLine):\(openedColumn): a quoted field is never closed; end it with a double quote" : nil
    }

    /// The error that parsing the first record with fewer than `columns` fields would give.
    static func shortRecordError(
        _ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int, terminator: UInt8, separator: UInt8, pad: UInt8,
        columns: Int, firstLine: Int, path: String
    ) -> DescentError {
        var line = firstLine
        var recordLine = firstLine
        var fields = 1
        var inQuote = false
        var content = false
        var i = start
        while i <= end {
            let b: UInt8 = i < end ? bytes[i] : terminator
            if inQuote {
                if b == quote { inQuote = false } else if b == terminator && i < end { line += 1 }
            } else if b == quote {
                inQuote = true
                content = true
            } else if b == separator {
                fields += 1
                content = true
            } else if b == terminator {
                if content && fields < columns {
                    return DescentError.input(
                        "\(path):\(recordLine): \(fields) column\(fields == 1 ? "" : "s"), but the header has \(columns); every row needs one value per column"
                    )
                }
                fields = 1
                content = false
                line += 1
                recordLine = line
            } else if b != space && b != pad && b != cr {
                content = true
            }
            i += 1
        }
        return DescentError.input(
            "\(path): the rows hold fewer values than the header's \(columns) columns; every row needs one value per column"
        )
    }

    /// Whether `text` is written with digits (so non-finite only by overflow), not as inf or nan.
    static func isNumeral(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var k = 0
        if k < text.count && (text[k] == UInt8(ascii: "-") || text[k] == UInt8(ascii: "+")) { k += 1 }
        return k < text.count && (DecimalParser.isDigit(text[k]) || text[k] == UInt8(ascii: "."))
    }

    /// A column's name for messages.
    func name(_ column: Int) -> String { column < columnNames.count ? columnNames[column] : "#\(column + 1)" }

    /// The end of an unquoted field: the next separator or line end (or `end`).
    @inline(__always)
    static func fieldEnd(
        _ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int, terminator: UInt8, separator: UInt8
    ) -> Int {
        var i = start
        while i < end && bytes[i] != separator && bytes[i] != terminator { i += 1 }
        return i
    }
}
