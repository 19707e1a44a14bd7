/// Eight rows of two features, labels 0 and 1, without a header.
package let eightRows = (0..<8).map { "\($0),\($0 * 2 % 5),\($0 % 2)" }

/// Two separable clusters with the given label names, as CSV text: `rows` rows, the first
/// label on the left (a < 0), the second on the right.
package func labelledCSV(_ names: [String], rows: Int, offset: Int = 0, header: String = "a,b,label") -> String {
    var text = header + "\n"
    for i in 0..<rows {
        let k = (i + offset) % names.count
        let a = Double(k) * 6 - 3 + Double((i * 37) % 17) / 17 - 0.5
        let b = Double((i * 53) % 13) / 13 - 0.5 + Double(k)
        text += "\(a),\(b),\(names[k])\n"
    }
    return text
}
