/// Which column of a file holds the labels.
public enum LabelColumnChoice: Sendable, Equatable {
    /// The last column (the default for training files).
    case last
    /// A column by header name, or by 0-based index when no header has that name.
    case named(String)
    /// For prediction: the column with this header name if there is one, else the last
    /// column when the file has one more column than the model has features, else none.
    case ifPresent(name: String?, featureCount: Int)
}

/// A file of rows opened, checked and counted, ready to be read in parallel straight into
/// datasets (CSV, NumPy `.npy` or `.npz`).
public protocol RowFile: AnyObject, Sendable {
    var path: String { get }
    var featureNames: [String] { get }
    /// The label column's name, nil when the file has no labels.
    var labelName: String? { get }
    var rowCount: Int { get }
    /// Whether the feature names come from the file (a CSV header) rather than being made up (x0, x1, ...).
    var namedColumns: Bool { get }
    /// A position in the file as messages name it: for CSV a line (`file.csv:12`), for
    /// NumPy files a row (`file.npy: row 11`).
    func describe(position: Int) -> String
    /// Reads every row into `sink` on `executor`'s threads; each row's label goes to
    /// `labelIDs[row]` as an id local to one part, and the parts' collectors come back in
    /// file order. `LabelCollector.firstSeen` holds positions as ``describe(position:)`` names them.
    func read<T: KernelScalar>(into sink: RowSink<T>, labelIDs: UnsafeMutablePointer<UInt32>?,
                               executor: ShardedExecutor) throws -> (parts: [LabelCollector], rowStarts: [Int])
}

/// Where the rows of a file go as they are read: row r of the file to its place in the
/// split (or to row r of one dataset), written column by column into the dataset's blocks.
public struct RowSink<T: KernelScalar>: @unchecked Sendable {
    @usableFromInline let split: DataSplit?
    @usableFromInline let datasets: [Dataset<T>?]
    /// Scalars between one feature of a row and the next.
    public let stride: Int

    /// Rows go to their places in `split`: `datasets` are the test, validation and training sets.
    public init(split: DataSplit, test: Dataset<T>?, validation: Dataset<T>?, train: Dataset<T>) {
        self.split = split
        datasets = [test, validation, train]
        stride = train.blockStride
    }

    /// Row r goes to row r of `dataset`.
    public init(dataset: Dataset<T>) {
        split = nil
        datasets = [dataset]
        stride = dataset.blockStride
    }

    /// Where row `row` of the file is stored: feature j at `[j * stride]`.
    @inlinable @inline(__always)
    public func rowBase(_ row: Int) -> UnsafeMutablePointer<T> {
        guard let split else { return datasets[0].unsafelyUnwrapped.rowBase(row) }
        let (part, index) = split.destination(ofRow: row)
        return datasets[part.rawValue].unsafelyUnwrapped.rowBase(index)
    }
}

/// Opens a data file, choosing the reader by the file's first bytes (NumPy's `\x93NUMPY`
/// magic, a zip archive's `PK\x03\x04`), else CSV.
public enum RowFiles {
    public static func open(path: String, role: String, labelColumn: LabelColumnChoice, executor: ShardedExecutor) throws -> RowFile {
        let file = try MappedFile(path: path, role: role)
        return try CSVFile(file: file, labelColumn: labelColumn, executor: executor)
    }
}
