import Testing

@testable import Descent

/// The documented reduction tree (``FixedOrderReduction``).
struct FixedOrderReductionTests {
    /// The tree written out by hand for 1 to 9 partials: level by level, partial i absorbs
    /// partial i + width. The values make the order visible: 1e16 swallows small addends
    /// unless they meet each other first; from four partials on, every
    /// count gives a different sum in the tree than left to right.
    static func byHand(_ p: [Double]) -> Double {
        switch p.count {
        case 1: return p[0]
        case 2: return p[0] + p[1]
        case 3: return (p[0] + p[1]) + p[2]
        case 4: return (p[0] + p[1]) + (p[2] + p[3])
        case 5: return ((p[0] + p[1]) + (p[2] + p[3])) + p[4]
        case 6: return ((p[0] + p[1]) + (p[2] + p[3])) + (p[4] + p[5])
        case 7: return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + p[6])
        case 8: return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
        case 9: return (((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))) + p[8]
        default: fatalError("written out up to 9")
        }
    }

    @Test func reductionIsTheDocumentedTree() {
        let values: [Double] = [3, 0x1p53, 7, 3, 0.5, -1e16, 1e16, -1e16, 0x1p53]
        var distinguished = 0
        for count in 1...9 {
            // Two columns (stride 2), the second with the values reversed.
            var partials: [Double] = []
            for i in 0..<count { partials += [values[i], values[count - 1 - i]] }
            partials.withUnsafeMutableBufferPointer {
                FixedOrderReduction.reduce($0.baseAddress!, count: count, stride: 2)
            }
            let first = Self.byHand(Array(values.prefix(count)))
            let second = Self.byHand(Array(values.prefix(count).reversed()))
            #expect(partials[0].bitPattern == first.bitPattern, "\(count) partials, column 0")
            #expect(partials[1].bitPattern == second.bitPattern, "\(count) partials, column 1")
            let leftToRight = values.prefix(count).dropFirst().reduce(values[0], +)
            let reversed = Array(values.prefix(count).reversed())
            if leftToRight != first && reversed.dropFirst().reduce(reversed[0], +) != second { distinguished += 1 }
        }
        #expect(distinguished == 6, "the values tell the tree from a left-to-right sum at every count from 4 to 9")
    }
}
