import CDescentSupport
import Foundation

/// Which column of a file holds the labels.
package enum LabelColumnChoice: Sendable, Equatable {
    /// The last column (the default for training files).
    case last
    /// A column by header name, or by 0-based index when no header has that name.
    case named(String)
    /// For prediction: the column with this header name if there is one, else the last
    /// column when the file has one more column than the model has features, else none.
    case ifPresent(name: String?, featureCount: Int)
}

/// `--weight-column` as a reader resolves it: a header name, else a 0-based index.
package struct WeightColumnChoice: Sendable, Equatable {
    package var name: String
    /// Whether a file without the column is read unweighted (a test file) rather than refused.
    package var optional: Bool

    package init(_ name: String, optional: Bool = false) {
        self.name = name
        self.optional = optional
    }

    /// The column `name` picks among `names` (nil: a file without a header) or `columns`
    /// indexes; nil when an optional column is missing.
    ///
    /// An optional column named by index (a test file, or the rows `descent predict` reads) is
    /// taken only from a file laid out as the training file was, `trainingColumns` columns
    /// (features, weight and label); any other file is read without weights, so that an index
    /// never picks a feature or the label of a file that has no weight column.
    /// - Throws: ``DescentError/input(_:)`` naming the file when a required one is missing.
    func resolve(names: [String]?, columns: Int, path: String, trainingColumns: Int? = nil) throws -> Int? {
        if let names, let found = names.firstIndex(of: name) { return found }
        if optional, let trainingColumns, columns != trainingColumns { return nil }
        if let index = LabelColumnChoice.index(name, columns: columns) { return index }
        if optional { return nil }
        throw DescentError.input(
            "\(path): no column named '\(name)' for --weight-column; "
                + (names.map {
                    "the header has: \($0.joined(separator: ", ")) (or give a 0-based index below \(columns))"
                }
                    ?? "the file has no header, so give a 0-based column index below \(columns) (or -1 for the last)"))
    }
}

extension LabelColumnChoice {
    /// The column a `--label-column` index names among `columns`: 0-based, or counted from
    /// the end when negative, as Python indexes (-1 is the last column); nil when `text` is
    /// not a whole number or is out of range.
    package static func index(_ text: String, columns: Int) -> Int? {
        guard let index = Int(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        if index >= 0 { return index < columns ? index : nil }
        return index >= -columns ? columns + index : nil
    }
}

/// A file of rows opened, checked and counted, ready to be read in parallel straight into
/// datasets (CSV, NumPy `.npy` or `.npz`).
package protocol RowFile: AnyObject, Sendable {
    var path: String { get }
    var featureNames: [String] { get }
    /// The label column's name, nil when the file has no labels.
    var labelName: String? { get }
    /// Whether each row has a weight (`--weight-column`), read into the slot after its label's.
    var hasWeights: Bool { get }
    /// Whether the label column is read as regression targets (numbers in the label slots).
    var readsTargets: Bool { get }
    var rowCount: Int { get }
    /// Whether the feature names come from the file (a CSV header) rather than being made up (x0, x1, ...).
    var namedColumns: Bool { get }
    /// A position in the file as messages name it: for CSV a line (`file.csv:12`), for
    /// NumPy files a row (`file.npy: row 11`).
    func describe(position: Int) -> String
    /// Reads every row into `sink` on `executor`'s threads. Each row's label slot gets
    /// ``RowSink/labelToken(part:id:)`` (its part's local id), and the parts' collectors
    /// come back in file order, for ``DataPreparation/setLabels(_:parts:classCount:executor:)``.
    /// `LabelCollector.firstSeen` holds positions as ``describe(position:)`` names them.
    /// Files without a label column leave the label slots at 0.
    func read<T: KernelScalar>(into sink: RowSink<T>, executor: ShardedExecutor) throws -> [LabelCollector]
}

/// Where the rows of a file go as they are read: each row to its place in the split (test,
/// validation or training, in the order of ``DataSplit``'s seeded permutation, as for
/// blobs and as scikit-learn's `train_test_split` orders its output), or every row to one
/// dataset. A row's place depends only on its index in the file.
package struct RowSink<T: KernelScalar>: @unchecked Sendable {
    @usableFromInline let split: DataSplit?
    /// Keeps the datasets alive; the hot path uses `blocks` (no reference counting per row).
    let datasets: [Dataset<T>?]
    /// Each dataset's table of chunk blocks (test, validation, train; or the one dataset).
    @usableFromInline var blocks:
        (
            UnsafeMutablePointer<UnsafeMutablePointer<T>>?, UnsafeMutablePointer<UnsafeMutablePointer<T>>?,
            UnsafeMutablePointer<UnsafeMutablePointer<T>>?
        )
    @usableFromInline let chunkShift: Int
    /// Each dataset's block for the chunks other ranks hold (``Dataset/discard``), nil when
    /// it holds every chunk: a row whose chunk points there is not this process's.
    @usableFromInline var discards: (UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?)
    /// Scalars between one feature of a row and the next.
    package let stride: Int
    /// Where a row's label is, from its base: `featureCount * stride`.
    package let labelOffset: Int

    /// Rows go to their parts of `split`: `datasets` are the test, validation and training sets.
    package init(split: DataSplit, test: Dataset<T>?, validation: Dataset<T>?, train: Dataset<T>) {
        self.split = split
        datasets = [test, validation, train]
        stride = train.blockStride
        blocks = (test?.blocks, validation?.blocks, train.blocks)
        discards = (test?.discard, validation?.discard, train.discard)
        chunkShift = train.chunkShift
        labelOffset = train.featureCount * stride
        precondition(
            (test?.blockStride ?? stride) == stride && (validation?.blockStride ?? stride) == stride,
            "datasets of one chunk size")
    }

    /// Row r goes to row r of `dataset`.
    package init(dataset: Dataset<T>) {
        split = nil
        datasets = [dataset]
        stride = dataset.blockStride
        blocks = (dataset.blocks, nil, nil)
        discards = (dataset.discard, nil, nil)
        chunkShift = dataset.chunkShift
        labelOffset = dataset.featureCount * stride
    }

    /// Where the rows of each part of a file go, once its parts' row counts are known.
    package struct Plan: @unchecked Sendable {
        let sink: RowSink
        let rowStarts: [Int]

        /// A writer for part k of the file (one thread's state).
        package func cursor(part k: Int) -> Cursor {
            Cursor(
                blocks: sink.blocks, discards: sink.discards, chunkShift: sink.chunkShift, mask: sink.stride - 1,
                split: sink.split,
                row: rowStarts[k], end: rowStarts[k + 1], stride: sink.stride, lines: sink.labelOffset / sink.stride + 1
            )
        }
    }

    /// Hands out the places of one file part's rows in order. It holds only plain values
    /// and pointers: no reference is counted per row (two threads counting references
    /// to one shared array made the loaders slower on two threads than on one).
    package struct Cursor {
        let blocks:
            (
                UnsafeMutablePointer<UnsafeMutablePointer<T>>?, UnsafeMutablePointer<UnsafeMutablePointer<T>>?,
                UnsafeMutablePointer<UnsafeMutablePointer<T>>?
            )
        let discards: (UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?)
        let chunkShift: Int
        let mask: Int
        let split: DataSplit?
        var row: Int
        let end: Int
        let stride: Int
        /// Cache lines a row touches (its features and label).
        let lines: Int
        /// With a split: the permutation positions of rows `batch ..< batch + 8` and of the
        /// eight after them, computed eight lanes at a time (each row's position once; the
        /// inverse permutation was the loaders' largest cost once per row and again for its
        /// prefetch, and the whole of a rank's cost for the rows it skips).
        var positions = SIMD8<UInt64>(), ahead = SIMD8<UInt64>()
        var batch: Int

        init(
            blocks: (
                UnsafeMutablePointer<UnsafeMutablePointer<T>>?, UnsafeMutablePointer<UnsafeMutablePointer<T>>?,
                UnsafeMutablePointer<UnsafeMutablePointer<T>>?
            ),
            discards: (UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?),
            chunkShift: Int, mask: Int, split: DataSplit?, row: Int, end: Int, stride: Int, lines: Int
        ) {
            self.blocks = blocks
            self.discards = discards
            self.chunkShift = chunkShift
            self.mask = mask
            self.split = split
            self.row = row
            self.end = end
            self.stride = stride
            self.lines = lines
            batch = row
            if let split, row < end {
                positions = split.positions(fromRow: row)
                ahead = split.positions(fromRow: row &+ 8)
                prefetch(positions, from: row)
                prefetch(ahead, from: row &+ 8)
            }
        }

        @inline(__always)
        func address(_ blocks: UnsafeMutablePointer<UnsafeMutablePointer<T>>?, _ index: Int) -> UnsafeMutablePointer<T>
        {
            blocks.unsafelyUnwrapped[index &>> chunkShift] + (index & mask)
        }

        /// Asks for the lines of the kept rows among `first ..< first + 8` (below `end`),
        /// whose positions are `lanes`: rows land at scattered places, and their stores then
        /// do not wait for memory one by one.
        @inline(__always)
        func prefetch(_ lanes: SIMD8<UInt64>, from first: Int) {
            guard let split else { return }
            var lane = 0
            while lane < 8 && first &+ lane < end {
                defer { lane &+= 1 }
                let destination = split.destination(ofPosition: Int(truncatingIfNeeded: lanes[lane]))
                if kept(destination) {
                    let base = place(destination)
                    for j in 0..<lines { descent_prefetch(base + j &* stride) }
                }
            }
        }

        /// The split destination of `row` (the cursor's current row), moving on a batch of
        /// eight, and prefetching the next, as the rows pass.
        @inline(__always)
        mutating func destination(_ split: DataSplit) -> (part: DataSplit.Part, index: Int) {
            if row &- batch >= 8 {
                batch &+= 8
                positions = ahead
                ahead = split.positions(fromRow: batch &+ 8)
                prefetch(ahead, from: batch &+ 8)
            }
            return split.destination(ofPosition: Int(truncatingIfNeeded: positions[row &- batch]))
        }

        /// The base of the next row of the part: feature j at `[j * stride]`.
        @inline(__always)
        package mutating func nextRow() -> UnsafeMutablePointer<T> {
            defer { row &+= 1 }
            guard let split else { return address(blocks.0, row) }
            return place(destination(split))
        }

        /// The base of the next row of the part, or nil when this process does not keep it
        /// (on a rank of a multi-process run, a row of a chunk another rank holds): a reader
        /// then skips the row without parsing it, and its label is not collected here (the
        /// ranks gather their labels, ``RankGroup/gatherLabels(_:)``).
        @inline(__always)
        package mutating func nextKeptRow() -> UnsafeMutablePointer<T>? {
            guard discards.0 != nil || discards.1 != nil || discards.2 != nil else { return nextRow() }
            defer { row &+= 1 }
            guard let split else {
                return blocks.0.unsafelyUnwrapped[row &>> chunkShift] == discards.0 ? nil : address(blocks.0, row)
            }
            let destination = destination(split)
            return kept(destination) ? place(destination) : nil
        }

        /// Whether this process holds the chunk of `destination`.
        @inline(__always)
        func kept(_ destination: (part: DataSplit.Part, index: Int)) -> Bool {
            let (part, index) = destination
            switch part {
            case .test: return blocks.0.unsafelyUnwrapped[index &>> chunkShift] != discards.0
            case .validation: return blocks.1.unsafelyUnwrapped[index &>> chunkShift] != discards.1
            case .train: return blocks.2.unsafelyUnwrapped[index &>> chunkShift] != discards.2
            }
        }

        @inline(__always)
        func place(_ destination: (part: DataSplit.Part, index: Int)) -> UnsafeMutablePointer<T> {
            let (part, index) = destination
            switch part {
            case .test: return address(blocks.0, index)
            case .validation: return address(blocks.1, index)
            case .train: return address(blocks.2, index)
            }
        }
    }

    /// The plan for a file whose part k holds rows `rowStarts[k] ..< rowStarts[k + 1]`.
    package func plan(rowStarts: [Int], executor: ShardedExecutor) -> Plan {
        Plan(sink: self, rowStarts: rowStarts)
    }

    /// The value a reader stores in a row's label slot: part `part`'s local label id `id`
    /// (replaced by the class once all parts' labels are known). Exact in float32.
    @inlinable @inline(__always)
    package static func labelToken(part: Int, id: UInt32) -> T { scalar(Double(part << 16 | Int(id))) }

    /// `T(value)` without the standard library's generic conversion path.
    @inlinable @inline(__always)
    package static func scalar(_ value: Double) -> T {
        MemoryLayout<T>.size == 8 ? unsafeBitCast(value, to: T.self) : unsafeBitCast(Float(value), to: T.self)
    }

    /// `Int(value)` for a whole number, without the standard library's generic conversion.
    @inlinable @inline(__always)
    package static func integer(_ value: T) -> Int {
        MemoryLayout<T>.size == 8
            ? Int(unsafeBitCast(value, to: Double.self)) : Int(unsafeBitCast(value, to: Float.self))
    }

    /// The part and local id of a token (a fast conversion: the generic `Int(T)` goes
    /// through the standard library's slow path).
    @inlinable @inline(__always)
    package static func decodeLabelToken(_ token: T) -> (part: Int, id: Int) {
        let value =
            MemoryLayout<T>.size == 8
            ? Int(unsafeBitCast(token, to: Double.self)) : Int(unsafeBitCast(token, to: Float.self))
        return (value >> 16, value & 0xFFFF)
    }

    /// Labels up to this many distinct values per part, parts up to this many.
    package static var maximumLabelsPerPart: Int { 1 << 16 }
    package static var maximumParts: Int { 1 << 8 }

    @inlinable @inline(__always)
    func address(_ blocks: UnsafeMutablePointer<UnsafeMutablePointer<T>>, _ row: Int) -> UnsafeMutablePointer<T> {
        blocks[row &>> chunkShift] + (row & (stride - 1))
    }
}

extension LabelCollector {
    /// Runs `body(k, &collector)` for parts 0 ..< `parts` on `executor`'s threads (part k on
    /// node `node(k)`), each part with its own label collector, and returns the collectors in
    /// part order. After every part has run, the error of the first failing part (in part
    /// order) is thrown; errors that are not ``DescentError`` are reported against `path`.
    static func collect(
        parts: Int, executor: ShardedExecutor, path: String, node: (Int) -> Int? = { _ in nil },
        _ body: (Int, inout LabelCollector) throws -> Void
    ) throws -> [LabelCollector] {
        let collectors = UnsafeMutableBufferPointer<LabelCollector>.allocate(capacity: parts)
        collectors.initialize(repeating: LabelCollector())
        let errors = UnsafeMutableBufferPointer<DescentError?>.allocate(capacity: parts)
        errors.initialize(repeating: nil)
        defer {
            collectors.deinitialize()
            collectors.deallocate()
            errors.deinitialize()
            errors.deallocate()
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox((collectors, errors, body))
            executor.run(iterations: parts, node: node) { k in
                do {
                    try box.value.2(k, &box.value.0[k])
                } catch let error as DescentError {
                    box.value.1[k] = error
                } catch {
                    box.value.1[k] = DescentError.input("\(path): \(error)")
                }
            }
        }
        if let first = errors.first(where: { $0 != nil }), let error = first { throw error }
        return Array(collectors)
    }
}

/// Opens a data file, choosing the reader by the file's first bytes (NumPy's `\x93NUMPY`
/// magic, a zip archive's `PK\x03\x04`), else CSV.
package enum RowFiles {
    /// Opens a CSV, `.npy` or `.npz` file. `weightColumn` (`--weight-column`, a header name
    /// or a 0-based index) is read into each row's weight slot, after its label's, and is
    /// not a feature; `.ifMissing` weights of a test file may be absent.
    package static func open(
        path: String, role: String, labelColumn: LabelColumnChoice, weightColumn: WeightColumnChoice? = nil,
        targets: Bool = false, executor: ShardedExecutor
    ) throws -> RowFile {
        let file = try MappedFile(path: path, role: role)
        if file.count >= 6 && NPYFile.hasMagic(file.bytes) {
            return try NPYFile(
                file: file, labelColumn: labelColumn, weightColumn: weightColumn, targets: targets, executor: executor)
        }
        if file.count >= 4 && file.bytes[0] == 0x50 && file.bytes[1] == 0x4B && file.bytes[2] == 3 && file.bytes[3] == 4
        {
            if let weightColumn, !weightColumn.optional {
                throw DescentError.input(
                    "\(path): --weight-column '\(weightColumn.name)': an .npz archive holds X and y only in this version; save the weights as a column of a .npy or CSV file"
                )
            }
            return try NPYFile(zip: file, labelColumn: labelColumn, targets: targets, executor: executor)
        }
        if let problem = notText(file.bytes, count: file.count, path: path) {
            throw DescentError.input("\(path): \(problem)")
        }
        return try CSVFile(
            file: file, labelColumn: labelColumn, weightColumn: weightColumn, targets: targets, executor: executor)
    }

    /// Why a file that is neither `.npy` nor `.npz` cannot be CSV text, from its first bytes:
    /// a compressed stream (gzip, xz, bzip2, zstd), UTF-16 text, or a NUL byte (no CSV writer
    /// writes one) in the first 4 KB; nil for anything else, which the CSV reader then judges.
    static func notText(_ bytes: UnsafePointer<UInt8>, count: Int, path: String) -> String? {
        func starts(_ magic: [UInt8]) -> Bool {
            count >= magic.count && magic.indices.allSatisfy { bytes[$0] == magic[$0] }
        }
        let compressed: [(name: String, magic: [UInt8], tool: String)] = [
            ("gzip", [0x1F, 0x8B], "gunzip -k"), ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "unxz -k"),
            ("zstd", [0x28, 0xB5, 0x2F, 0xFD], "unzstd"),
        ]
        for format in compressed where starts(format.magic) {
            return
                "compressed with \(format.name); descent reads uncompressed CSV, .npy and .npz: decompress it first (\(format.tool) \(path))"
        }
        // bzip2: "BZh", the block size 1-9, then the first block's magic (0x314159265359).
        if starts([0x42, 0x5A, 0x68]) && count >= 10 && (0x31...0x39).contains(bytes[3])
            && Array(UnsafeBufferPointer(start: bytes + 4, count: 6)) == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
        {
            return
                "compressed with bzip2; descent reads uncompressed CSV, .npy and .npz: decompress it first (bunzip2 -k \(path))"
        }
        if starts([0xFF, 0xFE]) || starts([0xFE, 0xFF]) {
            return
                "UTF-16 text (it starts with a UTF-16 byte order mark); descent reads CSV in UTF-8 or ASCII: save it as UTF-8"
        }
        if count > 0, let nul = memchr(bytes, 0, min(count, 4096)) {
            let offset = UnsafePointer<UInt8>(nul.assumingMemoryBound(to: UInt8.self)) - bytes
            return
                "binary data (a NUL byte at offset \(offset)), not CSV text, a .npy array or a .npz archive; pass a CSV, .npy or .npz file"
        }
        return nil
    }
}
