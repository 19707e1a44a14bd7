import Descent
import Foundation

/// Reads a data file through the whole loader (``RowFiles``): rows in file order (no split,
/// one dataset), the label column the one `--label-column` names (a header name, or a 0-based
/// index), the last when nil.
package func readRows(_ path: String, labelColumn: String? = nil, threads: Int = 1)
    throws -> (features: [[Double]], labels: [String], names: [String])
{
    let executor = ShardedExecutor(threads: threads)
    let file = try RowFiles.open(
        path: path, role: "--train", labelColumn: labelColumn.map { .named($0) } ?? .last, executor: executor)
    let d = file.featureNames.count
    let dataset = Dataset<Double>(
        rowCount: file.rowCount, featureCount: d, classCount: 2, chunkRows: 16,
        executor: executor, packingLabels: false
    ) { _, _, _ in }
    let parts = try file.read(into: RowSink(dataset: dataset), executor: executor)
    let labels = (0..<file.rowCount).map { row -> String in
        let token = Int(dataset.rowBase(row)[d * dataset.blockStride])
        return parts[token >> 16].labelText(token & 0xFFFF)
    }
    let features = (0..<file.rowCount).map { r in (0..<d).map { dataset.feature(r, $0) } }
    return (features, labels, file.featureNames)
}
