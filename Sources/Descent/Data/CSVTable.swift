import Foundation

/// A numeric table read from a CSV file with a header row: features row-major, labels apart.
public struct CSVTable: Sendable {
    public var path: String
    public var featureNames: [String]
    public var labelName: String
    /// Row-major features, `rowCount x featureCount`.
    public var features: [Double]
    public var labels: [Int]
    public var rowCount: Int { labels.count }
    public var featureCount: Int { featureNames.count }

    /// Reads `path`. The label column is `labelColumn` (a header name or a 0-based index),
    /// by default the last. Every other column is a feature.
    ///
    /// - Throws: ``DescentError`` naming the file and line for unreadable files, rows of the
    ///   wrong width, cells that are not numbers, NaN or infinite values, and labels that are
    ///   not whole numbers >= 0.
    public static func read(path: String, labelColumn: String? = nil) throws -> CSVTable {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DescentError.input("\(path): no such file; check the path given to --train or --test")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DescentError.input("\(path): cannot be read (permissions?)")
        }
        var lines = [UInt8](data).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if let last = lines.last, last.isEmpty || last == [UInt8(ascii: "\r")] { lines.removeLast() }
        guard let headerLine = lines.first else { throw DescentError.input("\(path): the file is empty; expected a header row and data rows") }
        let header = cells(headerLine).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces) }
        guard header.count >= 2 else {
            throw DescentError.input("\(path):1: the header has \(header.count) column; need at least one feature column and a label column")
        }
        let labelIndex: Int
        if let name = labelColumn {
            if let found = header.firstIndex(of: name) { labelIndex = found }
            else if let index = Int(name), header.indices.contains(index) { labelIndex = index }
            else { throw DescentError.input("\(path): no column named '\(name)' for --label-column; the header has: \(header.joined(separator: ", "))") }
        } else {
            labelIndex = header.count - 1
        }
        var table = CSVTable(path: path, featureNames: header.enumerated().filter { $0.offset != labelIndex }.map(\.element),
                             labelName: header[labelIndex], features: [], labels: [])
        table.features.reserveCapacity((lines.count - 1) * (header.count - 1))
        table.labels.reserveCapacity(lines.count - 1)
        var buffer = [CChar](repeating: 0, count: 64)
        for (offset, line) in lines.enumerated().dropFirst() {
            let lineNumber = offset + 1
            if line.isEmpty || line == [UInt8(ascii: "\r")] { continue }
            let row = cells(line)
            guard row.count == header.count else {
                throw DescentError.input("\(path):\(lineNumber): \(row.count) columns, but the header has \(header.count); every row needs one value per column")
            }
            for (column, cell) in row.enumerated() {
                let value = try parse(cell, buffer: &buffer, path: path, line: lineNumber, column: header[column])
                if column == labelIndex {
                    guard value >= 0, value == value.rounded(), value < 1_000_000 else {
                        throw DescentError.input("\(path):\(lineNumber): label '\(String(decoding: cell, as: UTF8.self))' in column '\(header[column])' is not a class index; labels must be whole numbers 0, 1, ..., K-1")
                    }
                    table.labels.append(Int(value))
                } else {
                    table.features.append(value)
                }
            }
        }
        guard table.rowCount > 0 else { throw DescentError.input("\(path): no data rows after the header") }
        return table
    }

    static func cells(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
    }

    static func parse(_ cell: ArraySlice<UInt8>, buffer: inout [CChar], path: String, line: Int, column: String) throws -> Double {
        var trimmed = cell
        while let f = trimmed.first, f == 32 || f == 9 || f == 34 { trimmed = trimmed.dropFirst() }
        while let l = trimmed.last, l == 32 || l == 9 || l == 34 { trimmed = trimmed.dropLast() }
        let text = { String(decoding: cell, as: UTF8.self) }
        guard !trimmed.isEmpty, trimmed.count < 63 else {
            throw DescentError.input("\(path):\(line): column '\(column)' holds '\(text())', which is not a number")
        }
        for (i, byte) in trimmed.enumerated() { buffer[i] = CChar(bitPattern: byte) }
        buffer[trimmed.count] = 0
        var end: UnsafeMutablePointer<CChar>?
        let value = buffer.withUnsafeMutableBufferPointer { b in strtod(b.baseAddress!, &end) }
        let consumed = buffer.withUnsafeBufferPointer { b in end.map { UnsafePointer($0) - b.baseAddress! } ?? 0 }
        guard consumed == trimmed.count else {
            throw DescentError.input("\(path):\(line): column '\(column)' holds '\(text())', which is not a number")
        }
        guard value.isFinite else {
            throw DescentError.input("\(path):\(line): column '\(column)' holds '\(text())'; NaN and infinite values are not allowed (clean or drop that row)")
        }
        return value
    }
}
