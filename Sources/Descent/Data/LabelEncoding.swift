/// The classes of a dataset: label values as a file holds them, numbered in sorted order.
///
/// Numeric labels (integers of any value, integral or other floats) sort by value, so -1
/// comes before 1 and 2 before 10; text labels sort by their UTF-8 bytes (Unicode code
/// point order). Class k is the k-th label in that order, as scikit-learn's `LabelEncoder`
/// and `numpy.unique` number them. Numbers that are equal (`1`, `1.0`, `+1`) are one class.
public struct LabelEncoding: Sendable, Equatable {
    /// Whether labels are compared as numbers or as text.
    public enum Kind: String, Sendable {
        case numeric, text
    }

    public var kind: Kind
    /// The name of each class, in class-index order (integral numbers without a decimal point).
    public var names: [String]
    /// The value of each class when ``kind`` is numeric.
    public var values: [Double]

    /// Classes 0..<count named "0", "1", ... (generated blobs).
    public init(indices count: Int) {
        kind = .numeric
        values = (0..<count).map(Double.init)
        names = values.map(LabelEncoding.name(of:))
    }

    /// Classes from names as model files store them.
    public init(kind: Kind, names: [String]) {
        self.kind = kind
        self.names = names
        values = kind == .numeric ? names.map { DecimalParser.shared.parse($0) ?? .nan } : []
    }

    public var count: Int { names.count }

    /// The name a number gets: integral values without a decimal point, others in the
    /// shortest form that reads back to the same double.
    public static func name(of value: Double) -> String {
        if value == value.rounded(), abs(value) < 9.0e18 { return String(Int64(value)) }
        return "\(value)"
    }

    /// The class of `key`, or nil when no class has that label.
    func classIndex(of key: LabelKey) -> Int? {
        switch kind {
        case .numeric:
            guard let v = key.number else { return nil }
            var lo = 0
            var hi = values.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if values[mid] < v { lo = mid + 1 } else { hi = mid }
            }
            return lo < values.count && values[lo] == v ? lo : nil
        case .text:
            let text = String(decoding: key.text, as: UTF8.self)
            return names.firstIndex(of: text)
        }
    }
}

/// One distinct label as read: its number when it is one, and its text as first seen.
struct LabelKey: Sendable {
    var number: Double?
    var text: [UInt8]
}

/// The distinct labels of one part of a file, numbered in order of first appearance, with
/// the line (or row) where each first appeared.
package struct LabelCollector: Sendable {
    var keys: [LabelKey] = []
    package init() {}
    var firstSeen: [Int] = []
    var numberIndex: [UInt64: UInt32] = [:]
    /// The numeric labels seen so far and their ids (plain values: scanned without
    /// touching `keys`), and the last one found.
    var numbers: [Double] = []
    var numberIDs: [UInt32] = []
    var lastNumber = Double.nan, lastID: UInt32 = 0
    var textIndex: [[UInt8]: UInt32] = [:]

    /// The local id of a numeric label (`-0` and `0` are one label).
    @inline(__always)
    mutating func id(number: Double, text: UnsafeBufferPointer<UInt8>, at line: Int) -> UInt32 {
        let value = number == 0 ? 0 : number
        if value == lastNumber { return lastID }
        let id = numberID(value, text: text, at: line)
        lastNumber = value
        lastID = id
        return id
    }

    mutating func numberID(_ value: Double, text: UnsafeBufferPointer<UInt8>, at line: Int) -> UInt32 {
        if numbers.count <= 16 {
            for k in numbers.indices where numbers[k] == value { return numberIDs[k] }
        } else if let id = numberIndex[value.bitPattern] {
            return id
        }
        let id = add(LabelKey(number: value, text: Array(text)), at: line)
        numbers.append(value)
        numberIDs.append(id)
        if numbers.count > 16 {
            if numbers.count == 17 { for k in numbers.indices { numberIndex[numbers[k].bitPattern] = numberIDs[k] } }
            numberIndex[value.bitPattern] = id
        }
        return id
    }

    /// The local id of a text label.
    @inline(__always)
    mutating func id(text: UnsafeBufferPointer<UInt8>, at line: Int) -> UInt32 {
        if keys.count <= 16 {
            for (k, key) in keys.enumerated() where key.number == nil && key.text.elementsEqual(text) {
                return UInt32(k)
            }
            if keys.count < 16 { return add(LabelKey(number: nil, text: Array(text)), at: line) }
            for (k, key) in keys.enumerated() where key.number == nil { textIndex[key.text] = UInt32(k) }
        }
        let bytes = Array(text)
        if let id = textIndex[bytes] { return id }
        let id = add(LabelKey(number: nil, text: bytes), at: line)
        textIndex[bytes] = id
        return id
    }

    mutating func add(_ key: LabelKey, at line: Int) -> UInt32 {
        keys.append(key)
        firstSeen.append(line)
        return UInt32(keys.count - 1)
    }
}

extension LabelEncoding {
    /// The encoding of the labels collected from the parts of one file, in file order.
    ///
    /// - Parameters:
    ///   - parts: each part's collector; `firstSeen` positions are global (line or row).
    ///   - describe: how a position is named in messages (for example `train.csv:12`).
    /// - Throws: ``DescentError/input(_:)`` when numbers and text are mixed.
    static func merging(_ parts: [LabelCollector], column: String, describe: (Int) -> String) throws -> LabelEncoding {
        var firstNumber: (String, Int)?
        var firstText: (String, Int)?
        for part in parts {
            for (key, seen) in zip(part.keys, part.firstSeen) {
                let text = String(decoding: key.text, as: UTF8.self)
                if key.number != nil {
                    if firstNumber == nil || seen < firstNumber!.1 { firstNumber = (text, seen) }
                } else if firstText == nil || seen < firstText!.1 {
                    firstText = (text, seen)
                }
            }
        }
        if let n = firstNumber, let t = firstText {
            throw DescentError.input(
                "\(describe(t.1)): label column '\(column)' holds text ('\(t.0)') but also numbers (first '\(n.0)' at \(describe(n.1))); labels must be all numbers or all names: fix the odd rows"
            )
        }
        if firstText != nil {
            var names = Set<[UInt8]>()
            for part in parts { for key in part.keys { names.insert(key.text) } }
            let sorted = names.sorted { $0.lexicographicallyPrecedes($1) }
            return LabelEncoding(kind: .text, names: sorted.map { String(decoding: $0, as: UTF8.self) })
        }
        var values = Set<Double>()
        for part in parts { for key in part.keys { values.insert(key.number!) } }
        var encoding = LabelEncoding(indices: 0)
        encoding.values = values.sorted()
        encoding.names = encoding.values.map(LabelEncoding.name(of:))
        return encoding
    }

    /// For each part, the class of each of its local ids; throws for a label this encoding
    /// does not have (a test label training never saw), naming the label and where it is.
    func classMaps(_ parts: [LabelCollector], path: String, describe: (Int) -> String) throws -> [[UInt32]] {
        var unknown: (String, Int)?
        let maps = parts.map { part in
            part.keys.enumerated().map { k, key -> UInt32 in
                if let c = classIndex(of: key) { return UInt32(c) }
                let seen = part.firstSeen[k]
                if unknown == nil || seen < unknown!.1 { unknown = (String(decoding: key.text, as: UTF8.self), seen) }
                return 0
            }
        }
        if let (label, seen) = unknown {
            throw DescentError.input(
                "\(describe(seen)): label '\(label)' never occurs in the training data (classes: \(names.joined(separator: ", "))); a test set may only hold labels the model was trained on"
            )
        }
        return maps
    }
}

extension LabelCollector {
    /// The collectors' labels and first positions as bytes (for an exchange between ranks):
    /// per part its key count, then per key a kind byte (0 text, 1 number), the number's
    /// bits, the first position, the text's length and its bytes; all little-endian.
    static func encode(_ parts: [LabelCollector]) -> [UInt8] {
        var bytes: [UInt8] = []
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        put(UInt64(parts.count))
        for part in parts {
            put(UInt64(part.keys.count))
            for (key, seen) in zip(part.keys, part.firstSeen) {
                bytes.append(key.number == nil ? 0 : 1)
                put(key.number?.bitPattern ?? 0)
                put(UInt64(bitPattern: Int64(seen)))
                put(UInt64(key.text.count))
                bytes.append(contentsOf: key.text)
            }
        }
        return bytes
    }

    /// The collectors ``encode(_:)`` wrote, from `bytes` starting at `offset` (moved past them).
    static func decode(_ bytes: UnsafeRawBufferPointer, offset: inout Int) -> [LabelCollector] {
        func get() -> UInt64 {
            defer { offset += 8 }
            return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
        let count = Int(get())
        return (0..<count).map { _ in
            var part = LabelCollector()
            for _ in 0..<Int(get()) {
                let isNumber = bytes[offset] == 1
                offset += 1
                let number = Double(bitPattern: get())
                let seen = Int(Int64(bitPattern: get()))
                let length = Int(get())
                let text = Array(bytes[offset..<offset + length])
                offset += length
                _ = part.add(LabelKey(number: isNumber ? number : nil, text: text), at: seen)
            }
            return part
        }
    }
}

extension RankGroup {
    /// ``gatherLabels(_:)`` over `ranks`, or, in one process (nil), `parts` themselves.
    static func gatherLabels(_ parts: [LabelCollector], over ranks: RankGroup?) -> (
        all: [LabelCollector], mine: Range<Int>
    ) {
        ranks?.gatherLabels(parts) ?? (parts, parts.indices)
    }

    /// Every rank's label collectors, in rank order, and where this rank's are among them
    /// (a collective call). Ranks that read only their own rows find only their own labels;
    /// every rank then merges the same list, so classes, class maps and messages about
    /// labels are the same everywhere, and the same as one process reading every row finds.
    func gatherLabels(_ parts: [LabelCollector]) -> (all: [LabelCollector], mine: Range<Int>) {
        var all: [LabelCollector] = []
        var mine = 0..<0
        for (r, bytes) in allGather(LabelCollector.encode(parts)).enumerated() {
            let decoded = bytes.withUnsafeBytes { raw in
                var offset = 0
                return LabelCollector.decode(raw, offset: &offset)
            }
            if r == rank { mine = all.count..<all.count + decoded.count }
            all += decoded
        }
        return (all, mine)
    }
}

extension LabelCollector {
    /// The label of local id `id`, as text (a number as ``LabelEncoding`` names it).
    package func labelText(_ id: Int) -> String {
        let key = keys[id]
        return key.number.map(LabelEncoding.name(of:)) ?? String(decoding: key.text, as: UTF8.self)
    }
}
