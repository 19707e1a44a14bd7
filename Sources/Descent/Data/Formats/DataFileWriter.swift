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
package enum DataFileWriter {
    /// Checks `path` for a generated file of `bytes` bytes (its folder exists, it is not a
    /// folder, it is replaced only with `overwrite`, the disk has room) before any work, and
    /// opens the file under a temporary name, renamed into place when committed.
    ///
    /// - Throws: ``DescentError/output(_:)`` saying what is wrong with `--output`.
    package static func create(_ path: String, overwrite: Bool, bytes: Int?) throws -> AtomicFile.Writer {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "/" : folder, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw DescentError.output("--output \(path): the folder \(folder) does not exist; create it first")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw DescentError.output("--output \(path): is a folder; name a file ending in .npy, .npz or .csv")
            }
            if !overwrite {
                throw DescentError.output(
                    "--output \(path): exists; add --overwrite to replace it, or choose another name")
            }
        }
        var stats = statvfs()
        if let bytes, statvfs(folder.isEmpty ? "/" : folder, &stats) == 0 {
            let free = Int(stats.f_bavail) &* Int(stats.f_frsize)
            if bytes > free {
                throw DescentError.output(
                    "--output \(path): the file needs \(MemoryBudget.format(bytes)) but \(folder) has \(MemoryBudget.format(free)) free; use fewer --samples or another disk"
                )
            }
        } else if bytes == nil {
            throw DescentError.output(
                "--output \(path): the file would need more than 2^63 bytes; use fewer --samples or --features")
        }
        return try AtomicFile.Writer(path: path)
    }

    package enum Format: String, Sendable, CaseIterable { case npy, npz, csv }

    /// Rows per block: about 1 MiB of values, at most 16,384 rows and at least one.
    static func blockRows(columns: Int) -> Int { max(1, min(1 << 14, (1 << 20) / (max(1, columns) * 8))) }

    /// Bytes of the per-thread buffers a write uses (for the memory check).
    package static func bufferBytes(features: Int, format: Format, threads: Int) -> Int? {
        guard features < Int.max else { return nil }
        let columns = features + 1
        let perValue = format == .csv ? 25 : 16  // npy, npz: the column-major block and the row-major buffer
        return MemoryBudget.product(threads, blockRows(columns: columns), columns, perValue)
    }

    /// The format named by `path`'s extension.
    ///
    /// - Throws: ``DescentError/configuration(_:)`` for any other extension.
    package static func format(ofPath path: String) throws -> Format {
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") { return .npy }
        if lower.hasSuffix(".npz") { return .npz }
        if lower.hasSuffix(".csv") { return .csv }
        throw DescentError.configuration(
            "--output \(path): unknown extension; descent generate writes .npy (NumPy, exact binary values), .npz (X and y, as numpy.savez) or .csv"
        )
    }

    /// The `.npy` header for `rows x columns` values of `precision`, padded to 64 bytes.
    static func npyHeader(rows: Int, columns: Int, precision: Precision) -> [UInt8] {
        npyHeader(descr: precision == .float64 ? "<f8" : "<f4", shape: "(\(rows), \(columns))")
    }

    /// A `.npy` version 1.0 header for an array of `descr` and `shape`, padded to 64 bytes.
    static func npyHeader(descr: String, shape: String) -> [UInt8] {
        var dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = dictionary.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(dictionary.utf8)
    }

    /// Where the parts of a `.npz` archive go: entry `X.npy` (the features, rows x features,
    /// float64 or float32) then `y.npy` (the labels, int64), each a stored (uncompressed)
    /// ZIP64 entry, then the central directory and the ZIP64 end records, as `numpy.savez`
    /// writes a large archive.
    struct NPZLayout {
        static let localHeaderBytes = 30 + 5 + 20  // fixed part, "X.npy", ZIP64 extra field
        static let centralHeaderBytes = 46 + 5 + 28
        let headerX: [UInt8], headerY: [UInt8]
        let dataX: Int, sizeX: Int, localY: Int, dataY: Int, sizeY: Int, central: Int, total: Int
        let scalar: Int

        init(rows: Int, features: Int, precision: Precision) {
            scalar = precision == .float64 ? 8 : 4
            headerX = npyHeader(rows: rows, columns: features, precision: precision)
            headerY = npyHeader(descr: "<i8", shape: "(\(rows),)")
            dataX = Self.localHeaderBytes
            sizeX = headerX.count + rows * features * scalar
            localY = dataX + sizeX
            dataY = localY + Self.localHeaderBytes
            sizeY = headerY.count + rows * 8
            central = dataY + sizeY
            total = central + 2 * Self.centralHeaderBytes + 56 + 20 + 22
        }

        /// The local file header of an entry (sizes in its ZIP64 extra field).
        static func localHeader(name: String, crc: UInt32, size: Int) -> [UInt8] {
            var b = ZipBytes()
            b.u32(0x0403_4B50)
            b.u16(45)
            b.u16(0)
            b.u16(0)
            b.u16(0)
            b.u16(0x21)
            b.u32(crc)
            b.u32(0xFFFF_FFFF)
            b.u32(0xFFFF_FFFF)
            b.u16(UInt16(name.utf8.count))
            b.u16(20)
            b.bytes += Array(name.utf8)
            b.u16(1)
            b.u16(16)
            b.u64(UInt64(size))
            b.u64(UInt64(size))
            return b.bytes
        }

        /// The central directory, the ZIP64 end record and locator, and the end record.
        func trailer(crcX: UInt32, crcY: UInt32) -> [UInt8] {
            var b = ZipBytes()
            for (name, crc, size, offset) in [("X.npy", crcX, sizeX, 0), ("y.npy", crcY, sizeY, localY)] {
                b.u32(0x0201_4B50)
                b.u16(45)
                b.u16(45)
                b.u16(0)
                b.u16(0)
                b.u16(0)
                b.u16(0x21)
                b.u32(crc)
                b.u32(0xFFFF_FFFF)
                b.u32(0xFFFF_FFFF)
                b.u16(UInt16(name.utf8.count))
                b.u16(28)
                b.u16(0)
                b.u16(0)
                b.u16(0)
                b.u32(0)
                b.u32(0xFFFF_FFFF)
                b.bytes += Array(name.utf8)
                b.u16(1)
                b.u16(24)
                b.u64(UInt64(size))
                b.u64(UInt64(size))
                b.u64(UInt64(offset))
            }
            let centralSize = 2 * Self.centralHeaderBytes
            let zip64End = central + centralSize
            b.u32(0x0606_4B50)
            b.u64(44)
            b.u16(45)
            b.u16(45)
            b.u32(0)
            b.u32(0)
            b.u64(2)
            b.u64(2)
            b.u64(UInt64(centralSize))
            b.u64(UInt64(central))
            b.u32(0x0706_4B50)
            b.u32(0)
            b.u64(UInt64(zip64End))
            b.u32(1)
            b.u32(0x0605_4B50)
            b.u16(0)
            b.u16(0)
            b.u16(2)
            b.u16(2)
            b.u32(0xFFFF_FFFF)
            b.u32(0xFFFF_FFFF)
            b.u16(0)
            return b.bytes
        }
    }

    /// Little-endian fields of a zip structure.
    struct ZipBytes {
        var bytes: [UInt8] = []
        mutating func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        mutating func u32(_ v: UInt32) { for k in 0..<4 { bytes.append(UInt8((v >> (8 * k)) & 0xFF)) } }
        mutating func u64(_ v: UInt64) { for k in 0..<8 { bytes.append(UInt8((v >> (8 * k)) & 0xFF)) } }
    }

    /// The bytes of a `.npy` or `.npz` file of the generator's rows (exact), or an upper bound for CSV.
    package static func byteCount(_ generator: BlobGenerator, precision: Precision, format: Format) -> Int? {
        let columns = generator.features + 1
        switch format {
        case .npy:
            return MemoryBudget.product(generator.samples, columns, precision == .float64 ? 8 : 4)
                .map { $0 + npyHeader(rows: generator.samples, columns: columns, precision: precision).count }
        case .npz:
            guard MemoryBudget.product(generator.samples, columns, 8) != nil else { return nil }
            return NPZLayout(rows: generator.samples, features: generator.features, precision: precision).total
        case .csv:
            // At most 24 characters and a separator per value.
            return MemoryBudget.product(generator.samples, columns, 25).map { $0 + 16 * columns }
        }
    }

    /// Writes every row of `generator` to the open file `descriptor` in `format`; returns the
    /// bytes written.
    package static func write(
        _ generator: BlobGenerator, precision: Precision, format: Format, to descriptor: Int32,
        path: String, executor: ShardedExecutor
    ) throws -> Int {
        let n = generator.samples
        let d = generator.features
        let columns = d + 1
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
                    failure.record(
                        DescentError.output(
                            "\(path): cannot write (\(String(cString: strerror(errno)))); free some space or choose another --output"
                        ))
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
                let columnMajor = UnsafeMutableRawPointer.allocate(
                    byteCount: blockRows * columns * scalar, alignment: 16)
                defer { columnMajor.deallocate() }
                var block = t
                while block < blocks, !failure.happened {
                    let rows = (block * blockRows)..<min(n, (block + 1) * blockRows)
                    var k = 0
                    func rowMajor<V: KernelScalar>(_ type: V.Type) {
                        let block = columnMajor.assumingMemoryBound(to: V.self)
                        generator.fill(
                            count: rows.count, rows: { BlobGenerator.consecutiveRows(from: rows.lowerBound + $0) },
                            into: block, stride: rows.count)
                        let values = buffer.assumingMemoryBound(to: V.self)
                        for local in 0..<rows.count {
                            for j in 0..<columns {
                                values[k] = block[j * rows.count + local]
                                k += 1
                            }
                        }
                    }
                    if precision == .float64 { rowMajor(Double.self) } else { rowMajor(Float.self) }
                    put(
                        UnsafeRawBufferPointer(start: buffer, count: k * scalar),
                        at: header.count + rows.lowerBound * columns * scalar)
                    block += threads
                }
            }
            if let error = failure.error { throw error }
            return header.count + n * columns * scalar
        case .npz:
            let layout = NPZLayout(rows: n, features: d, precision: precision)
            let scalar = layout.scalar
            // Each block's CRC of its X bytes and of its y bytes, combined in order at the end.
            var crcs = [UInt32](repeating: 0, count: 2 * blocks)
            crcs.withUnsafeMutableBufferPointer { crcs in
                let crcs = UncheckedBox(crcs)
                executor.run(iterations: threads) { t in
                    let xBytes = UnsafeMutableRawPointer.allocate(byteCount: blockRows * d * scalar, alignment: 16)
                    let yBytes = UnsafeMutablePointer<Int64>.allocate(capacity: blockRows)
                    let columnMajor = UnsafeMutableRawPointer.allocate(
                        byteCount: blockRows * columns * scalar, alignment: 16)
                    defer {
                        xBytes.deallocate()
                        yBytes.deallocate()
                        columnMajor.deallocate()
                    }
                    var block = t
                    while block < blocks, !failure.happened {
                        let rows = (block * blockRows)..<min(n, (block + 1) * blockRows)
                        func split<V: KernelScalar>(_ type: V.Type) {
                            let source = columnMajor.assumingMemoryBound(to: V.self)
                            generator.fill(
                                count: rows.count, rows: { BlobGenerator.consecutiveRows(from: rows.lowerBound + $0) },
                                into: source, stride: rows.count)
                            let values = xBytes.assumingMemoryBound(to: V.self)
                            var k = 0
                            for local in 0..<rows.count {
                                for j in 0..<d {
                                    values[k] = source[j * rows.count + local]
                                    k += 1
                                }
                                yBytes[local] = Int64(source[d * rows.count + local])
                            }
                        }
                        if precision == .float64 { split(Double.self) } else { split(Float.self) }
                        let x = UnsafeRawBufferPointer(start: xBytes, count: rows.count * d * scalar)
                        let y = UnsafeRawBufferPointer(start: yBytes, count: rows.count * 8)
                        crcs.value[2 * block] = CRC32.update(0, x)
                        crcs.value[2 * block + 1] = CRC32.update(0, y)
                        put(x, at: layout.dataX + layout.headerX.count + rows.lowerBound * d * scalar)
                        put(y, at: layout.dataY + layout.headerY.count + rows.lowerBound * 8)
                        block += threads
                    }
                }
            }
            if let error = failure.error { throw error }
            var crcX = CRC32.checksum(layout.headerX)
            var crcY = CRC32.checksum(layout.headerY)
            for block in 0..<blocks {
                let count = min(n, (block + 1) * blockRows) - block * blockRows
                crcX = CRC32.combine(crcX, crcs[2 * block], lengthB: count * d * scalar)
                crcY = CRC32.combine(crcY, crcs[2 * block + 1], lengthB: count * 8)
            }
            for (bytes, offset) in [
                (NPZLayout.localHeader(name: "X.npy", crc: crcX, size: layout.sizeX) + layout.headerX, 0),
                (NPZLayout.localHeader(name: "y.npy", crc: crcY, size: layout.sizeY) + layout.headerY, layout.localY),
                (layout.trailer(crcX: crcX, crcY: crcY), layout.central),
            ] {
                bytes.withUnsafeBytes { put($0, at: offset) }
            }
            if let error = failure.error { throw error }
            return layout.total
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
                        let rows = (block * blockRows)..<min(n, (block + 1) * blockRows)
                        // The block's values as fill(_:) makes them (float32: rounded to Float
                        // first), column by column, then printed row by row.
                        var values = [Double](repeating: 0, count: rows.count * columns)
                        let consecutive = { (i: Int) in BlobGenerator.consecutiveRows(from: rows.lowerBound + i) }
                        if precision == .float64 {
                            values.withUnsafeMutableBufferPointer {
                                generator.fill(
                                    count: rows.count, rows: consecutive, into: $0.baseAddress!, stride: rows.count)
                            }
                        } else {
                            var floats = [Float](repeating: 0, count: rows.count * columns)
                            floats.withUnsafeMutableBufferPointer {
                                generator.fill(
                                    count: rows.count, rows: consecutive, into: $0.baseAddress!, stride: rows.count)
                            }
                            values = floats.map { Double($0) }
                        }
                        for local in 0..<rows.count {
                            for j in 0..<d {
                                text.append(contentsOf: "\(values[j * rows.count + local])".utf8)
                                text.append(44)
                            }
                            text.append(contentsOf: "\(Int(values[d * rows.count + local]))".utf8)
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
    var happened: Bool {
        lock.lock()
        defer { lock.unlock() }
        return error != nil
    }
    func record(_ e: Error) {
        lock.lock()
        if error == nil { error = e }
        lock.unlock()
    }
}
