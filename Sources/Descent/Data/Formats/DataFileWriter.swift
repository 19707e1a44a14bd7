import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes generated blobs to a file other tools (and `descent train --train`) read: every
/// row in row order, features then the label as the last column.
///
/// Rows are generated in blocks, in parallel, straight into per-thread buffers that are
/// written at their place in the file (`.npy`: `pwrite` at the row's offset; CSV: blocks in
/// waves, each wave written in order), so the data never exists twice in memory. Values are
/// written exactly: `.npy` holds the IEEE values (`<f8`, or `<f4` for float32), CSV the
/// shortest decimal that reads back to the same float64. Training on the file with the same
/// `--seed`, `--test-fraction` and `--validation-fraction` therefore splits it exactly as the
/// in-process run splits its generated rows, and trains to the same bits.
public enum DataFileWriter {
    public enum Format: String, Sendable, CaseIterable { case npy, csv }

    /// Rows per block: about 1 MiB of values, at most 16,384 rows and at least one.
    static func blockRows(columns: Int) -> Int { max(1, min(1 << 14, (1 << 20) / (max(1, columns) * 8))) }

    /// Bytes of the per-thread buffers a write uses (for the memory check).
    public static func bufferBytes(features: Int, format: Format, threads: Int) -> Int? {
        guard features < Int.max else { return nil }
        let columns = features + 1
        let perValue = format == .npy ? 16 : 25  // npy: the column-major block and the row-major buffer
        return MemoryBudget.product(threads, blockRows(columns: columns), columns, perValue)
    }

    /// The format named by `path`'s extension.
    ///
    /// - Throws: ``DescentError/configuration(_:)`` for any other extension.
    public static func format(ofPath path: String) throws -> Format {
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") { return .npy }
        if lower.hasSuffix(".csv") { return .csv }
        throw DescentError.configuration("--output \(path): unknown extension; descent generate writes .npy (NumPy, exact binary values) or .csv")
    }

    /// The `.npy` header for `rows x columns` values of `precision`, padded to 64 bytes.
    static func npyHeader(rows: Int, columns: Int, precision: Precision) -> [UInt8] {
        let descr = precision == .float64 ? "<f8" : "<f4"
        var dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        let unpadded = 10 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = dictionary.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(dictionary.utf8)
    }

    /// The bytes of a `.npy` file of the generator's rows (exact), or an upper bound for CSV.
    public static func byteCount(_ generator: BlobGenerator, precision: Precision, format: Format) -> Int? {
        let columns = generator.features + 1
        switch format {
        case .npy:
            return MemoryBudget.product(generator.samples, columns, precision == .float64 ? 8 : 4)
                .map { $0 + npyHeader(rows: generator.samples, columns: columns, precision: precision).count }
        case .csv:
            // At most 24 characters and a separator per value.
            return MemoryBudget.product(generator.samples, columns, 25).map { $0 + 16 * columns }
        }
    }

    /// Writes every row of `generator` to the open file `descriptor` in `format`; returns the
    /// bytes written.
    public static func write(_ generator: BlobGenerator, precision: Precision, format: Format, to descriptor: Int32,
                             path: String, executor: ShardedExecutor) throws -> Int {
        let n = generator.samples, d = generator.features, columns = d + 1
        let blockRows = blockRows(columns: columns)
        let blocks = (n + blockRows - 1) / blockRows
        let threads = max(1, min(executor.threads, blocks))
        let failure = FirstError()
        func put(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
            var done = 0
            while done < bytes.count {
                let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
                if written < 0 {
                    if errno == EINTR { continue }
                    failure.record(DescentError.output("\(path): cannot write (\(String(cString: strerror(errno)))); free some space or choose another --output"))
                    return
                }
                done += written
            }
        }
        switch format {
        case .npy:
            let header = npyHeader(rows: n, columns: columns, precision: precision)
            header.withUnsafeBytes { put($0, at: 0) }
            let scalar = precision == .float64 ? 8 : 4
            executor.run(iterations: threads) { t in
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: blockRows * columns * scalar, alignment: 16)
                defer { buffer.deallocate() }
                // Each block is made column by column (as a chunk block), then written row by row.
                let columnMajor = UnsafeMutableRawPointer.allocate(byteCount: blockRows * columns * scalar, alignment: 16)
                defer { columnMajor.deallocate() }
                var block = t
                while block < blocks, !failure.happened {
                    let rows = (block * blockRows)..<min(n, (block + 1) * blockRows)
                    var k = 0
                    func rowMajor<V: KernelScalar>(_ type: V.Type) {
                        let block = columnMajor.assumingMemoryBound(to: V.self)
                        generator.fill(count: rows.count, rows: { BlobGenerator.consecutiveRows(from: rows.lowerBound + $0) }, into: block, stride: rows.count)
                        let values = buffer.assumingMemoryBound(to: V.self)
                        for local in 0..<rows.count {
                            for j in 0..<columns { values[k] = block[j * rows.count + local]; k += 1 }
                        }
                    }
                    if precision == .float64 { rowMajor(Double.self) } else { rowMajor(Float.self) }
                    put(UnsafeRawBufferPointer(start: buffer, count: k * scalar), at: header.count + rows.lowerBound * columns * scalar)
                    block += threads
                }
            }
            if let error = failure.error { throw error }
            return header.count + n * columns * scalar
        case .csv:
            let header = Array(((0..<d).map { "x\($0)" } + ["label"]).joined(separator: ",").utf8) + [10]
            header.withUnsafeBytes { put($0, at: 0) }
            var offset = header.count
            var texts = [[UInt8]](repeating: [], count: threads)
            var first = 0
            while first < blocks, !failure.happened {
                let wave = min(threads, blocks - first)
                texts.withUnsafeMutableBufferPointer { slots in
                    let slots = UncheckedBox(slots)
                    executor.run(iterations: wave) { t in
                        let block = first + t
                        var text: [UInt8] = []
                        text.reserveCapacity(blockRows * columns * 12)
                        for r in (block * blockRows)..<min(n, (block + 1) * blockRows) {
                            for j in 0..<d {
                                let v = precision == .float64 ? generator.value(r, j) : Double(Float(generator.value(r, j)))
                                text.append(contentsOf: "\(v)".utf8)
                                text.append(44)
                            }
                            text.append(contentsOf: "\(generator.label(r))".utf8)
                            text.append(10)
                        }
                        slots.value[t] = text
                    }
                }
                for t in 0..<wave {
                    texts[t].withUnsafeBytes { put($0, at: offset) }
                    offset += texts[t].count
                }
                first += wave
            }
            if let error = failure.error { throw error }
            return offset
        }
    }
}

/// The first error recorded by concurrent iterations.
final class FirstError: @unchecked Sendable {
    let lock = NSLock()
    var error: Error?
    var happened: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }
    func record(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}
