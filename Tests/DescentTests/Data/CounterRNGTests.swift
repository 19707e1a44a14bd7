import Foundation
import Testing

@testable import Descent

/// The counter-based generator's normal deviates (``CounterRNG``) are standard normal.
struct CounterRNGTests {
    /// `n` deviates of `seed` from deviate `first` on.
    static func deviates(seed: UInt64, first: UInt64 = 0, _ n: Int) -> [Double] {
        var z = [Double](repeating: .nan, count: n)
        z.withUnsafeMutableBufferPointer {
            CounterRNG(seed: seed).normals(.blobNoise, from: first, count: n, into: $0.baseAddress!)
        }
        return z
    }

    /// The Kolmogorov-Smirnov distance between the sample and the standard normal.
    static func ksDistance(_ sample: [Double]) -> Double {
        let sorted = sample.sorted()
        let n = Double(sample.count)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            d = max(d, abs(cdf - Double(i) / n), abs(Double(i + 1) / n - cdf))
        }
        return d
    }

    /// The deviates are standard normal: a Kolmogorov-Smirnov test on 1 M of them (at the
    /// 0.1% level), mean and variance within 5 standard errors, both tails beyond 3 and 4
    /// standard deviations as often as the normal's, and no correlation between the two
    /// deviates of a pair, their squares (the shared radius), or neighbouring pairs.
    @Test func deviatesAreStandardNormal() {
        let n = 1 << 20
        let z = Self.deviates(seed: 42, first: 7, n)
        let ks = Self.ksDistance(z)
        #expect(ks * Double(n).squareRoot() < 1.949, "KS distance \(ks)")
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        #expect(abs(mean) < 5 / Double(n).squareRoot(), "mean \(mean)")
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot(), "variance \(variance)")
        for (limit, p) in [(3.0, 0.002_699_796), (4.0, 0.000_063_342)] {
            let expected = p * Double(n)
            let seen = Double(z.count { abs($0) > limit })
            #expect(abs(seen - expected) < 5 * expected.squareRoot(), "beyond \(limit): \(seen), expected \(expected)")
        }
        func correlation(_ a: [Double], _ b: [Double]) -> Double {
            let ma = a.reduce(0, +) / Double(a.count)
            let mb = b.reduce(0, +) / Double(b.count)
            var ab = 0.0
            var aa = 0.0
            var bb = 0.0
            for i in a.indices {
                ab += (a[i] - ma) * (b[i] - mb)
                aa += (a[i] - ma) * (a[i] - ma)
                bb += (b[i] - mb) * (b[i] - mb)
            }
            return ab / (aa * bb).squareRoot()
        }
        // z starts at an odd deviate: pair p's deviates are z[2p + 1] and z[2p + 2].
        let firsts = stride(from: 1, to: n - 3, by: 2).map { z[$0] }
        let seconds = stride(from: 2, to: n - 2, by: 2).map { z[$0] }
        let nextFirsts = stride(from: 3, to: n - 1, by: 2).map { z[$0] }
        let bound = 5 / Double(firsts.count).squareRoot()
        #expect(abs(correlation(firsts, seconds)) < bound, "within a pair")
        #expect(abs(correlation(firsts.map { $0 * $0 }, seconds.map { $0 * $0 })) < bound, "squares within a pair")
        #expect(abs(correlation(firsts, nextFirsts)) < bound, "neighbouring pairs")
        #expect(abs(correlation(seconds, nextFirsts)) < bound, "across a pair boundary")
    }

    /// Across 40 seeds, the Kolmogorov-Smirnov test at the 1% level rejects about as often
    /// as it should (at most 4 of 40: 5 or more happen with probability 0.08% for a true
    /// normal), and the seeds' sample means spread as the normal's do.
    @Test func deviatesAreNormalForEverySeed() {
        let n = 20_000
        var rejected = 0
        var means: [Double] = []
        for seed: UInt64 in 100..<140 {
            let z = Self.deviates(seed: seed, n)
            if Self.ksDistance(z) * Double(n).squareRoot() > 1.628 { rejected += 1 }
            means.append(z.reduce(0, +) / Double(n))
        }
        #expect(rejected <= 4, "\(rejected) of 40 seeds rejected")
        let spread = (means.reduce(0) { $0 + $1 * $1 } / Double(means.count)).squareRoot() * Double(n).squareRoot()
        #expect(spread > 0.6 && spread < 1.4, "seed means spread \(spread) standard errors")
    }
}
