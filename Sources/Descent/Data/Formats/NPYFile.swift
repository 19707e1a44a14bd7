import Foundation

/// A NumPy `.npy` file (a 2-D array: rows of features with the label as one column, chosen
/// as for CSV) or `.npz` archive as `numpy.savez` writes it (arrays `X`, 2-D, and `y`,
/// 1-D), read in parallel straight into datasets.
///
/// Element types: float32, float64, signed and unsigned integers of 1 to 8 bytes, bool;
/// for `y` also fixed-width strings (`U`, `S`). Little and big endian, C and Fortran order,
/// format versions 1, 2 and 3. `.npz` entries must be stored (`numpy.savez`), not deflated
/// (`numpy.savez_compressed`). Rows are split into one part per thread; values convert
/// exactly to float64 (then to the run's precision), so the bits do not depend on the split.
package final class NPYFile: RowFile, @unchecked Sendable {
    package let path: String
    package let featureNames: [String]
    package let labelName: String?
    package let rowCount: Int
    package var namedColumns: Bool { false }
    let file: MappedFile
    let x: NPYArray
    let y: NPYArray?
    /// The label column of `x` (a `.npy` file), if any.
    let labelColumn: Int?
    /// The weight column of `x` (`--weight-column`), if any.
    let weightColumn: Int?
    package var hasWeights: Bool { weightColumn != nil }
    /// Whether the labels are regression targets, read as numbers into the label slots
    /// rather than collected as classes.
    package let readsTargets: Bool
    let featureColumns: [Int]

    /// Whether `bytes` starts with NumPy's magic string `\x93NUMPY`.
    package static func hasMagic(_ bytes: UnsafePointer<UInt8>) -> Bool {
        bytes[0] == 0x93 && bytes[1] == 0x4E && bytes[2] == 0x55 && bytes[3] == 0x4D && bytes[4] == 0x50
            && bytes[5] == 0x59
    }

    /// Opens a `.npy` file.
    package init(
        file: MappedFile, labelColumn choice: LabelColumnChoice, weightColumn weightChoice: WeightColumnChoice? = nil,
        targets: Bool = false, executor: ShardedExecutor
    ) throws {
        self.file = file
        readsTargets = targets
        path = file.path
        x = try NPYArray(file: file, at: 0, size: file.count, name: nil)
        y = nil
        guard x.shape.count == 2 else {
            throw DescentError.input(
                "\(path): the array has shape \(x.shapeText); a data file needs a 2-D array (rows x columns, the label one column)"
            )
        }
        guard x.dtype.kind != .text else {
            throw DescentError.input("\(path): an array of strings (\(x.dtype.descr)); features must be numbers")
        }
        rowCount = x.shape[0]
        // Rows first: an empty array's column count is not bounded by the file's size.
        guard rowCount > 0 else { throw DescentError.input("\(path): the array has no rows") }
        let columns = x.shape[1]
        // The weight column first; an optional one (a test file, predict's rows) only in a
        // file of the training layout: features, weight, label.
        var trainingColumns: Int?
        if case .ifPresent(_, let featureCount) = choice { trainingColumns = featureCount + 2 }
        let weight = try weightChoice?.resolve(
            names: nil, columns: columns, path: path, trainingColumns: trainingColumns)
        var label: Int?
        switch choice {
        case .last: label = columns - 1
        case .named(let name):
            guard let index = LabelColumnChoice.index(name, columns: columns) else {
                throw DescentError.input(
                    "\(path): --label-column '\(name)': a NumPy array has no column names; give a 0-based column index below \(columns) (or -1 for the last)"
                )
            }
            label = index
        case .ifPresent(_, let featureCount):
            let unweighted = (0..<columns).filter { $0 != weight }
            label = unweighted.count == featureCount + 1 ? unweighted.last : nil
        }
        labelColumn = label
        if let weight, weight == label {
            throw DescentError.input(
                "\(path): --weight-column '\(weightChoice!.name)' is the label column; the weights need a column of their own"
            )
        }
        weightColumn = weight
        featureColumns = (0..<columns).filter { $0 != label && $0 != weight }
        guard !featureColumns.isEmpty else {
            throw DescentError.input(
                "\(path): the array has \(columns) column; need at least one feature column and a label column")
        }
        featureNames = featureColumns.indices.map { "x\($0)" }
        labelName = label == nil ? nil : "label"
        guard rowCount > 0 else { throw DescentError.input("\(path): the array has no rows") }
    }

    /// Opens a `.npz` archive holding `X` and `y`.
    package init(
        zip file: MappedFile, labelColumn choice: LabelColumnChoice, targets: Bool = false, executor: ShardedExecutor
    ) throws {
        self.file = file
        readsTargets = targets
        let path = file.path
        self.path = path
        let entries = try ZipDirectory.entries(of: file)
        func array(_ name: String, required: Bool) throws -> NPYArray? {
            guard let entry = entries.first(where: { $0.name == name + ".npy" }) else {
                if !required { return nil }
                let text = entries.first { entry in
                    [".csv", ".tsv", ".txt"].contains { entry.name.lowercased().hasSuffix($0) }
                }
                if let text {
                    throw DescentError.input(
                        "\(path): a zip archive holding '\(text.name)', not the arrays X and y of a .npz; descent reads CSV uncompressed: unzip it first (unzip \(path)) and pass the CSV to --train"
                    )
                }
                throw DescentError.input(
                    "\(path): no array named '\(name)' (the archive has \(entries.map { "'" + $0.name.replacingOccurrences(of: ".npy", with: "") + "'" }.joined(separator: ", "))); save it with numpy.savez(file, X=features, y=labels)"
                )
            }
            guard entry.method == 0 else {
                throw DescentError.input(
                    "\(path): '\(entry.name)' is compressed (method \(entry.method), as numpy.savez_compressed writes); Descent reads uncompressed archives: save with numpy.savez"
                )
            }
            return try NPYArray(file: file, at: entry.dataOffset, size: entry.size, name: name)
        }
        let x = try array("X", required: true)!
        let hasLabels: Bool
        if case .ifPresent = choice { hasLabels = false } else { hasLabels = true }
        let y = try array("y", required: hasLabels)
        guard x.shape.count == 2 else {
            throw DescentError.input("\(path): X has shape \(x.shapeText); it must be 2-D (rows x features)")
        }
        guard x.dtype.kind != .text else {
            throw DescentError.input("\(path): X holds strings (\(x.dtype.descr)); features must be numbers")
        }
        if let y {
            guard y.shape.count == 1 || (y.shape.count == 2 && y.shape[1] == 1) else {
                throw DescentError.input("\(path): y has shape \(y.shapeText); it must be 1-D (one label per row)")
            }
            guard y.shape[0] == x.shape[0] else {
                throw DescentError.input(
                    "\(path): X has \(x.shape[0]) rows but y has \(y.shape[0]) labels; they must match")
            }
        }
        self.x = x
        self.y = y
        rowCount = x.shape[0]
        guard rowCount > 0 else { throw DescentError.input("\(path): X has no rows") }
        labelColumn = nil
        weightColumn = nil
        featureColumns = Array(0..<x.shape[1])
        guard !featureColumns.isEmpty else { throw DescentError.input("\(path): X has no columns") }
        featureNames = featureColumns.indices.map { "x\($0)" }
        labelName = y == nil ? nil : "y"
        guard rowCount > 0 else { throw DescentError.input("\(path): X has no rows") }
    }

    package func describe(position: Int) -> String { "\(path): row \(position)" }

    // Called through the RowFile protocol, which would run the generic code unspecialized.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package func read<T: KernelScalar>(into sink: RowSink<T>, executor: ShardedExecutor) throws -> [LabelCollector] {
        let parts = min(executor.threads, RowSink<T>.maximumParts, max(1, rowCount / 4096))
        let rowStarts = (0...parts).map { $0 * rowCount / parts }
        let plan = sink.plan(rowStarts: rowStarts, executor: executor)
        return try LabelCollector.collect(parts: parts, executor: executor, path: path) { k, labels in
            try self.readPart(k, plan: plan, labels: &labels)
        }
    }

    func readPart<T: KernelScalar>(_ k: Int, plan: RowSink<T>.Plan, labels: inout LabelCollector) throws {
        let rows = plan.rowStarts[k]..<plan.rowStarts[k + 1]
        var copy = NPYCopy<T>(file: self, rows: rows, k: k, plan: plan, labels: labels)
        try x.dtype.visit(&copy, path: path)
        labels = copy.labels
        if let y = y?.column {
            // The labels of y, to the same rows (a second cursor over the same places).
            var cursor = plan.cursor(part: k)
            let labelOffset = plan.sink.labelOffset
            for row in rows {
                let base = cursor.nextRow()
                base[labelOffset] =
                    readsTargets
                    ? try yTarget(y, row: row)
                    : RowSink<T>.labelToken(part: k, id: try yLabel(y, row: row, labels: &labels))
            }
        }
        releaseRows(rows)
    }

    /// Reads the rows a rank holds of `dataset`, by offset: row i of the dataset (each of the
    /// chunks it owns) from row `source(i)` of the file, eight rows' sources at a time. The
    /// rows of other ranks are not converted or written; this rank reads only the file pages
    /// that hold its rows (with a split they are spread over the whole file).
    ///
    /// Each shard of `dataset` is one part (read on its node, in place); labels get
    /// ``RowSink/labelToken(part:id:)`` as ``read(into:executor:)`` gives them, positions in
    /// `LabelCollector.firstSeen` are file rows.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package func read<T: KernelScalar>(
        rowsOf dataset: Dataset<T>, from source: @escaping @Sendable (Int) -> SIMD8<UInt64>,
        executor: ShardedExecutor
    ) throws -> [LabelCollector] {
        let plan = dataset.placement
        precondition(plan.shards.count <= RowSink<T>.maximumParts, "at most 256 shards")
        return try LabelCollector.collect(
            parts: plan.shards.count, executor: executor, path: path, node: { plan.node(ofShard: $0) }
        ) { s, labels in
            var gather = NPYGather<T>(file: self, s: s, dataset: dataset, source: source, labels: labels)
            try self.x.dtype.visit(&gather, path: self.path)
            labels = gather.labels
        }
    }

    /// Shard `s`'s rows of `dataset` from their source rows of `x` (elements of type E).
    func gather<T: KernelScalar, E: NPYElement>(
        _: E.Type, shard s: Int, _ dataset: Dataset<T>,
        _ source: (Int) -> SIMD8<UInt64>, _ labels: inout LabelCollector
    ) throws {
        let data = file.bytes + x.dataOffset
        let size = MemoryLayout<E>.size
        let n = x.shape[0]
        let columns = x.shape[1]
        let rowStep = x.fortran ? size : columns * size
        let columnStep = x.fortran ? n * size : size
        let stride = dataset.blockStride
        let labelOffset = dataset.featureCount * stride
        let yColumn = labelColumn == nil ? y?.column : nil
        try featureColumns.withUnsafeBufferPointer { features in
            for chunk in dataset.placement.shards[s].chunks {
                let rows = dataset.chunks.rows(ofChunk: chunk)
                let block = dataset.block(chunk)
                var i = rows.lowerBound
                while i < rows.upperBound {
                    let sources = source(i)
                    for lane in 0..<min(8, rows.upperBound - i) {
                        let row = Int(sources[lane])
                        precondition(row < n, "a source row inside the file")
                        let base = block + (i + lane - rows.lowerBound)
                        try convert(
                            E.self, row: row, data + row * rowStep, columnStep: columnStep, features: features,
                            into: base, stride: stride, labelOffset: labelOffset, part: s, labels: &labels)
                        if let yColumn {
                            base[labelOffset] =
                                readsTargets
                                ? try yTarget(yColumn, row: row)
                                : RowSink<T>.labelToken(part: s, id: try yLabel(yColumn, row: row, labels: &labels))
                        }
                    }
                    i += 8
                }
            }
        }
    }

    /// Converts row `row` of `x` (elements of type E, its first byte at `rowData`) into a
    /// dataset row at `base`: feature j at `base[j * stride]`, and, for a `.npy` file with a
    /// label column, the label's token for part `part` at `base[labelOffset]`.
    @inline(__always)
    func convert<T: KernelScalar, E: NPYElement>(
        _: E.Type, row: Int, _ rowData: UnsafePointer<UInt8>, columnStep: Int,
        features: UnsafeBufferPointer<Int>, into base: UnsafeMutablePointer<T>,
        stride: Int, labelOffset: Int, part: Int, labels: inout LabelCollector
    ) throws {
        let rowData = UnsafeRawPointer(rowData)
        let swapped = x.dtype.swapped
        let floating = x.dtype.kind == .float
        for (j, column) in features.enumerated() {
            let v = E.value(rowData + column * columnStep, swapped: swapped)
            if floating && !v.isFinite {
                throw DescentError.input(
                    "\(path): row \(row), column \(column) holds \(v); NaN and infinite values are not allowed (clean or drop that row)"
                )
            }
            base[j &* stride] = RowSink<T>.scalar(v)
        }
        if let label = labelColumn {
            let v = E.value(rowData + label * columnStep, swapped: swapped)
            guard v.isFinite else {
                throw DescentError.input("\(path): row \(row), label column \(label) holds \(v); labels must be finite")
            }
            if readsTargets {
                base[labelOffset] = RowSink<T>.scalar(v)
                return try convertWeight(
                    E.self, row: row, rowData, columnStep: columnStep, into: base, stride: stride,
                    labelOffset: labelOffset)
            }
            let id = labels.id(number: v, name: LabelEncoding.name(of: v), at: row)
            guard id < RowSink<T>.maximumLabelsPerPart else {
                throw DescentError.input("\(path): more than 65536 distinct labels")
            }
            base[labelOffset] = RowSink<T>.labelToken(part: part, id: id)
        }
        try convertWeight(
            E.self, row: row, rowData, columnStep: columnStep, into: base, stride: stride, labelOffset: labelOffset)
    }

    /// The weight column's value of row `row`, into the slot after the label's.
    @inline(__always)
    func convertWeight<T: KernelScalar, E: NPYElement>(
        _: E.Type, row: Int, _ rowData: UnsafeRawPointer, columnStep: Int, into base: UnsafeMutablePointer<T>,
        stride: Int, labelOffset: Int
    ) throws {
        let swapped = x.dtype.swapped
        if let weight = weightColumn {
            // The weight's slot follows the label's (``Dataset/weightOffset``).
            let v = E.value(rowData + weight * columnStep, swapped: swapped)
            guard v.isFinite else {
                throw DescentError.input(
                    "\(path): row \(row), weight column \(weight) holds \(v); --weight-column weights must be finite numbers >= 0"
                )
            }
            base[labelOffset &+ stride] = RowSink<T>.scalar(v)
        }
    }

    /// `y[row]` as a regression target.
    @inline(__always)
    func yTarget<T: KernelScalar>(_ y: NPYColumn, row: Int) throws -> T {
        guard y.kind != .text else {
            throw DescentError.input(
                "\(path): y holds strings; a regression needs numeric targets (train a classifier, or save y as numbers)"
            )
        }
        let v = y.number(at: row)
        guard v.isFinite else { throw DescentError.input("\(path): y[\(row)] is \(v); targets must be finite") }
        return RowSink<T>.scalar(v)
    }

    /// The local id of `y[row]` in `labels`.
    @inline(__always)
    func yLabel(_ y: NPYColumn, row: Int, labels: inout LabelCollector) throws -> UInt32 {
        let id: UInt32
        if y.kind == .text {
            let text = y.text(at: row)
            guard !text.isEmpty else { throw DescentError.input("\(path): y[\(row)] is an empty label") }
            id = text.withUnsafeBufferPointer { labels.id(text: $0, at: row) }
        } else {
            let v = y.number(at: row)
            guard v.isFinite else { throw DescentError.input("\(path): y[\(row)] is \(v); labels must be finite") }
            id = labels.id(number: v, name: LabelEncoding.name(of: v), at: row)
        }
        guard id < 1 << 16 else { throw DescentError.input("\(path): more than 65536 distinct labels in y") }
        return id
    }

    /// Lets the pages holding rows `rows` of `x` go (they have been copied): one stretch in
    /// C order, one per column in Fortran order.
    func releaseRows(_ rows: Range<Int>) {
        let size = x.dtype.size
        let n = x.shape[0]
        let columns = x.shape[1]
        if x.fortran {
            for c in 0..<columns {
                file.release(
                    x.dataOffset + (c * n + rows.lowerBound) * size..<x.dataOffset + (c * n + rows.upperBound) * size)
            }
        } else {
            file.release(
                x.dataOffset + rows.lowerBound * columns * size..<x.dataOffset + rows.upperBound * columns * size)
        }
    }

    /// Copies rows of `x` (elements of type E) to their places: features, and the label
    /// column of a `.npy` file.
    func copy<T: KernelScalar, E: NPYElement>(
        _: E.Type, _ rows: Range<Int>, _ k: Int, _ plan: RowSink<T>.Plan,
        _ labels: inout LabelCollector
    ) throws {
        let data = file.bytes + x.dataOffset
        let size = MemoryLayout<E>.size
        let n = x.shape[0]
        let columns = x.shape[1]
        let rowStep = x.fortran ? size : columns * size
        let columnStep = x.fortran ? n * size : size
        let stride = plan.sink.stride
        let labelOffset = plan.sink.labelOffset
        var cursor = plan.cursor(part: k)
        var released = rows.lowerBound
        try featureColumns.withUnsafeBufferPointer { features in
            for row in rows {
                if row - released >= 1 << 16 {
                    releaseRows(released..<row)
                    released = row
                }
                try convert(
                    E.self, row: row, data + row * rowStep, columnStep: columnStep, features: features,
                    into: cursor.nextRow(), stride: stride, labelOffset: labelOffset, part: k, labels: &labels)
            }
        }
    }
}

extension LabelCollector {
    /// The id of a numeric label whose text is `name`.
    @inline(__always)
    mutating func id(number: Double, name: @autoclosure () -> String, at position: Int) -> UInt32 {
        let value = number == 0 ? 0 : number
        if value == lastNumber { return lastID }
        if numbers.count <= 16, let k = numbers.firstIndex(of: value) {
            lastNumber = value
            lastID = numberIDs[k]
            return lastID
        }
        let bytes = Array(name().utf8)
        return bytes.withUnsafeBufferPointer { id(number: value, text: $0, at: position) }
    }
}

/// Work to do with the element type of an array, specialized for each type (the switch over
/// NumPy's element types lives in one place: ``NPYArray/DType/visit(_:path:)``).
protocol NPYElementVisitor {
    mutating func visit<E: NPYElement>(_: E.Type) throws
}

/// ``NPYFile/copy(_:_:_:_:_:)`` as a visitor of the element type.
struct NPYCopy<T: KernelScalar>: NPYElementVisitor {
    let file: NPYFile, rows: Range<Int>, k: Int, plan: RowSink<T>.Plan
    var labels: LabelCollector
    mutating func visit<E: NPYElement>(_: E.Type) throws { try file.copy(E.self, rows, k, plan, &labels) }
}

/// ``NPYFile/gather(_:shard:_:_:_:)`` as a visitor of the element type.
struct NPYGather<T: KernelScalar>: NPYElementVisitor {
    let file: NPYFile, s: Int, dataset: Dataset<T>, source: (Int) -> SIMD8<UInt64>
    var labels: LabelCollector
    mutating func visit<E: NPYElement>(_: E.Type) throws { try file.gather(E.self, shard: s, dataset, source, &labels) }
}

/// An element type of a NumPy array, read as float64.
protocol NPYElement {
    static func value(_ p: UnsafeRawPointer, swapped: Bool) -> Double
}

extension Double: NPYElement {
    @inline(__always) static func value(_ p: UnsafeRawPointer, swapped: Bool) -> Double {
        let bits = p.loadUnaligned(as: UInt64.self)
        return Double(bitPattern: swapped ? bits.byteSwapped : bits)
    }
}
extension Float: NPYElement {
    @inline(__always) static func value(_ p: UnsafeRawPointer, swapped: Bool) -> Double {
        let bits = p.loadUnaligned(as: UInt32.self)
        return Double(Float(bitPattern: swapped ? bits.byteSwapped : bits))
    }
}
extension NPYElement where Self: FixedWidthInteger {
    @inline(__always) static func value(_ p: UnsafeRawPointer, swapped: Bool) -> Double {
        let v = p.loadUnaligned(as: Self.self)
        return Double(swapped ? v.byteSwapped : v)
    }
}
extension Int8: NPYElement {}
extension Int16: NPYElement {}
extension Int32: NPYElement {}
extension Int64: NPYElement {}
extension UInt8: NPYElement {}
extension UInt16: NPYElement {}
extension UInt32: NPYElement {}
extension UInt64: NPYElement {}

/// One array in a NumPy file: its element type, shape, order and where its data is.
struct NPYArray {
    struct DType {
        enum Kind { case float, signed, unsigned, bool, text }
        var kind: Kind
        var size: Int
        var swapped: Bool
        /// Bytes per character for text (4 for `U`, 1 for `S`).
        var characterSize = 1
        var descr: String

        /// Calls `visitor.visit(E.self)` with this numeric element type's Swift type.
        func visit<Visitor: NPYElementVisitor>(_ visitor: inout Visitor, path: String) throws {
            switch (kind, size) {
            case (.float, 8): try visitor.visit(Double.self)
            case (.float, 4): try visitor.visit(Float.self)
            case (.signed, 1): try visitor.visit(Int8.self)
            case (.signed, 2): try visitor.visit(Int16.self)
            case (.signed, 4): try visitor.visit(Int32.self)
            case (.signed, 8): try visitor.visit(Int64.self)
            case (.unsigned, 1), (.bool, 1): try visitor.visit(UInt8.self)
            case (.unsigned, 2): try visitor.visit(UInt16.self)
            case (.unsigned, 4): try visitor.visit(UInt32.self)
            case (.unsigned, 8): try visitor.visit(UInt64.self)
            default: throw DescentError.input("\(path): element type \(descr) is not supported")
            }
        }
    }

    var dtype: DType
    var shape: [Int]
    var fortran: Bool
    /// Offset of the data from the start of the mapped file.
    var dataOffset: Int
    var rowBytes: Int { shape.count >= 2 && !fortran ? shape[1...].reduce(1, *) * dtype.size : dtype.size }
    var shapeText: String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
    let file: MappedFile

    /// Parses the array whose `.npy` bytes are `file.bytes[start ..< start + size]`.
    init(file: MappedFile, at start: Int, size: Int, name: String?) throws {
        self.file = file
        let bytes = file.bytes + start
        let what = name.map { "\(file.path): array '\($0)'" } ?? file.path
        guard size >= 10, NPYFile.hasMagic(bytes) else {
            throw DescentError.input("\(what): not a NumPy .npy array (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard size >= 12 else { throw DescentError.input("\(what): truncated before the end of the header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw DescentError.input(
                "\(what): NumPy format version \(major).\(bytes[7]); Descent reads versions 1, 2 and 3")
        }
        guard headerStart + headerLength <= size else {
            throw DescentError.input("\(what): truncated inside the header")
        }
        let header = String(
            decoding: UnsafeBufferPointer(start: bytes + headerStart, count: headerLength), as: UTF8.self)
        func value(_ key: String) throws -> Substring {
            guard let range = header.range(of: "'\(key)':") else {
                throw DescentError.input(
                    "\(what): the header has no '\(key)' (\(header.trimmingCharacters(in: .whitespacesAndNewlines)))")
            }
            return header[range.upperBound...].drop { $0 == " " }
        }
        let descrText = try value("descr")
        guard let quote = descrText.first, quote == "'" || quote == "\"",
            let close = descrText.dropFirst().firstIndex(of: quote)
        else {
            throw DescentError.input(
                "\(what): a structured dtype (\(descrText.prefix(40))...); Descent reads plain numeric arrays")
        }
        let descr = String(descrText[descrText.index(after: descrText.startIndex)..<close])
        dtype = try NPYArray.parse(descr: descr, what: what)
        fortran = try value("fortran_order").hasPrefix("True")
        let shapeText = try value("shape")
        guard shapeText.first == "(", let end = shapeText.firstIndex(of: ")") else {
            throw DescentError.input("\(what): malformed shape in the header")
        }
        let numbers = shapeText[shapeText.index(after: shapeText.startIndex)..<end].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        shape = try numbers.map { text in
            guard let n = Int(text.hasSuffix("L") ? String(text.dropLast()) : text), n >= 0 else {
                throw DescentError.input("\(what): malformed shape '\(shapeText[...end])'")
            }
            return n
        }
        dataOffset = start + headerStart + headerLength
        // The product can overflow for a hostile or corrupt header: saturate instead of trapping.
        var needed = dtype.size
        for n in shape {
            let (product, overflow) = needed.multipliedReportingOverflow(by: n)
            needed = overflow ? Int.max : product
        }
        let available = size - headerStart - headerLength
        guard needed <= available else {
            throw DescentError.input(
                "\(what): truncated: shape \(self.shapeText) of \(dtype.descr) needs \(needed) bytes of data, the file has \(available)"
            )
        }
    }

    static func parse(descr: String, what: String) throws -> DType {
        guard descr.count >= 2 else { throw DescentError.input("\(what): unknown dtype '\(descr)'") }
        var chars = Array(descr)
        var order: Character = "|"
        if "<>|=".contains(chars[0]) {
            order = chars[0]
            chars.removeFirst()
        }
        let kind = chars[0]
        guard let size = Int(String(chars[1...])), size > 0 else {
            if kind == "O" {
                throw DescentError.input(
                    "\(what): an object array (dtype '\(descr)', pickled Python objects); save numbers: numpy.asarray(a, dtype=float)"
                )
            }
            throw DescentError.input("\(what): unknown dtype '\(descr)'")
        }
        let swapped = order == ">"  // this machine is little endian
        switch kind {
        case "f" where size == 4 || size == 8: return DType(kind: .float, size: size, swapped: swapped, descr: descr)
        case "i" where [1, 2, 4, 8].contains(size):
            return DType(kind: .signed, size: size, swapped: swapped, descr: descr)
        case "u" where [1, 2, 4, 8].contains(size):
            return DType(kind: .unsigned, size: size, swapped: swapped, descr: descr)
        case "b" where size == 1: return DType(kind: .bool, size: 1, swapped: false, descr: descr)
        case "U": return DType(kind: .text, size: size * 4, swapped: swapped, characterSize: 4, descr: descr)
        case "S": return DType(kind: .text, size: size, swapped: false, characterSize: 1, descr: descr)
        case "c":
            throw DescentError.input(
                "\(what): complex numbers (dtype '\(descr)'); features and labels must be real: save numpy.real(a) or a float array"
            )
        case "f":
            throw DescentError.input(
                "\(what): float\(size * 8) (dtype '\(descr)') is not supported; save float32 or float64")
        default:
            throw DescentError.input(
                "\(what): dtype '\(descr)' is not supported; save float32, float64, integers or bool (strings for y)")
        }
    }

    /// The array's elements as a plain value (a pointer and the element type): the per-row
    /// reads of `y` go through it, so no row copies the array (whose file, shape and type
    /// name are references to retain and release: that was half of a `.npz` load).
    var column: NPYColumn {
        NPYColumn(
            base: UnsafeRawPointer(file.bytes + dataOffset), kind: dtype.kind, size: dtype.size, swapped: dtype.swapped,
            characterSize: dtype.characterSize)
    }
}

/// The elements of a 1-D (or n x 1) NumPy array, by index.
struct NPYColumn {
    let base: UnsafeRawPointer
    let kind: NPYArray.DType.Kind
    let size: Int
    let swapped: Bool
    let characterSize: Int

    /// Element `index` as float64.
    @inline(__always)
    func number(at index: Int) -> Double {
        let p = base + index &* size
        switch (kind, size) {
        case (.float, 8): return Double.value(p, swapped: swapped)
        case (.float, 4): return Float.value(p, swapped: swapped)
        case (.signed, 1): return Int8.value(p, swapped: false)
        case (.signed, 2): return Int16.value(p, swapped: swapped)
        case (.signed, 4): return Int32.value(p, swapped: swapped)
        case (.signed, 8): return Int64.value(p, swapped: swapped)
        case (.unsigned, 2): return UInt16.value(p, swapped: swapped)
        case (.unsigned, 4): return UInt32.value(p, swapped: swapped)
        case (.unsigned, 8): return UInt64.value(p, swapped: swapped)
        default: return UInt8.value(p, swapped: false)
        }
    }

    /// Element `index` of a string array as UTF-8 (trailing NULs dropped).
    func text(at index: Int) -> [UInt8] {
        let p = (base + index &* size).assumingMemoryBound(to: UInt8.self)
        if characterSize == 1 {
            var n = size
            while n > 0 && p[n - 1] == 0 { n -= 1 }
            return Array(UnsafeBufferPointer(start: p, count: n))
        }
        var scalars = String.UnicodeScalarView()
        for c in 0..<(size / 4) {
            var v = UnsafeRawPointer(p + 4 * c).loadUnaligned(as: UInt32.self)
            if swapped { v = v.byteSwapped }
            if v == 0 { break }
            scalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
        }
        return Array(String(scalars).utf8)
    }
}

/// The entries of a zip archive (`.npz`), read from its central directory, ZIP64 included.
enum ZipDirectory {
    struct Entry {
        var name: String
        var method: Int
        var size: Int
        var dataOffset: Int
    }

    static func entries(of file: MappedFile) throws -> [Entry] {
        let b = file.bytes
        let count = file.count
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) -> Int { u32(o) | u32(o + 4) << 32 }
        func bad(_ what: String) -> DescentError {
            DescentError.input("\(file.path): not a readable .npz (zip) archive: \(what); write it with numpy.savez")
        }
        var eocd = -1
        var i = count - 22
        while i >= max(0, count - 22 - 65_535) {
            if b[i] == 0x50 && b[i + 1] == 0x4B && b[i + 2] == 5 && b[i + 3] == 6 {
                eocd = i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else { throw bad("no end-of-central-directory record (truncated?)") }
        var entryCount = u16(eocd + 10)
        var directoryOffset = u32(eocd + 16)
        if (directoryOffset == 0xFFFF_FFFF || entryCount == 0xFFFF) && eocd >= 20 && u32(eocd - 20) == 0x0706_4B50 {
            let record = u64(eocd - 20 + 8)
            guard record + 56 <= count, u32(record) == 0x0606_4B50 else { throw bad("a broken ZIP64 record") }
            entryCount = u64(record + 32)
            directoryOffset = u64(record + 48)
        }
        var entries: [Entry] = []
        var p = directoryOffset
        for _ in 0..<entryCount {
            guard p + 46 <= count, u32(p) == 0x0201_4B50 else { throw bad("a broken central directory") }
            let method = u16(p + 10)
            var compressed = u32(p + 20)
            var size = u32(p + 24)
            let nameLength = u16(p + 28)
            let extraLength = u16(p + 30)
            let commentLength = u16(p + 32)
            var local = u32(p + 42)
            guard p + 46 + nameLength + extraLength <= count else { throw bad("a truncated directory entry") }
            let name = String(decoding: UnsafeBufferPointer(start: b + p + 46, count: nameLength), as: UTF8.self)
            // ZIP64 sizes and offset, for the fields set to 0xFFFFFFFF, in this order.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = u16(e)
                let length = u16(e + 2)
                if id == 1 {
                    var f = e + 4
                    if size == 0xFFFF_FFFF {
                        size = u64(f)
                        f += 8
                    }
                    if compressed == 0xFFFF_FFFF {
                        compressed = u64(f)
                        f += 8
                    }
                    if local == 0xFFFF_FFFF { local = u64(f) }
                }
                e += 4 + length
            }
            guard local + 30 <= count, u32(local) == 0x0403_4B50 else {
                throw bad("a broken local header for '\(name)'")
            }
            let dataOffset = local + 30 + u16(local + 26) + u16(local + 28)
            guard dataOffset + compressed <= count else {
                throw DescentError.input(
                    "\(file.path): '\(name)' is truncated: \(compressed) bytes promised, \(max(0, count - dataOffset)) present"
                )
            }
            entries.append(
                Entry(name: name, method: method, size: method == 0 ? size : compressed, dataOffset: dataOffset))
            p += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }
}
