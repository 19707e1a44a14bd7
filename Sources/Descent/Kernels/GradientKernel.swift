import CDescentSupport

/// The fused gradient-and-loss kernel: each chunk is read from memory once, and while it
/// sits in L1 three short passes compute its scores, its per-row losses and loss
/// derivatives, and its gradient sums.
///
/// The arithmetic order is fixed. Local row r of a chunk lives in lane r % lanes of vector
/// r / lanes. Scores are `x_0 w_0 + x_1 w_1 + ... + b`, left to right. The loss sum runs
/// over vectors in order; each gradient sum runs over vectors in four interleaved
/// accumulators (vector v into accumulator v % 4), combined as (a0 + a1) + (a2 + a3); lanes
/// are then summed by ``KernelScalar/horizontalSum(_:)``. A partial last vector runs the
/// same code, its empty lanes replaced by zero. Gathered batches are copied into a chunk
/// block first and go through the same code, so a row contributes the same bits wherever it
/// is computed.
///
/// Partials are laid out as the weights are, `outputs x (features + 1)` with the bias last
/// in each row, followed by one loss value.
package enum GradientKernel {
    /// Scalars in one partial result.
    @inlinable
    package static func partialStride(features: Int, outputs: Int) -> Int { outputs * (features + 1) + 1 }

    /// Accumulates the first `rows` rows of a chunk block into `partial` (overwriting it).
    ///
    /// - Parameters:
    ///   - loss: the loss kernel.
    ///   - weights: `outputs x (features + 1)` weights, bias last in each row.
    ///   - features: features per row.
    ///   - outputs: output units (1 for the binary losses).
    ///   - block: feature j of row i at `block[j * stride + i]`. Readable up to the next
    ///     multiple of the vector width past `rows` (chunk blocks are padded to a whole chunk).
    ///   - stride: scalars between one feature's column and the next in the block.
    ///   - labels: the class index of row i at byte `i * labelBytes`, readable as far as the block.
    ///   - labelBytes: 1 or 2 (``Dataset/labelBytes``).
    ///   - rows: the rows of the block to accumulate.
    ///   - partial: receives the gradient sums and the loss (``partialStride(features:outputs:)`` values).
    ///   - next: a block to prefetch while this one is computed, if any (its features and
    ///     packed labels, `features * stride` scalars and `stride * labelBytes` bytes).
    ///   - scratch: room for ``scratchVectors(_:features:outputs:rows:)`` vectors that the kernel
    ///     uses for the chunk's scores (three passes) or its gradient accumulators (one pass);
    ///     nil: it allocates them for the call (on the heap once they pass 1 KB, which is a
    ///     malloc and a free per chunk).
    ///   - rowWeights: row i's weight at `rowWeights[i]`, readable as far as the labels; each
    ///     row's loss and loss derivative are multiplied by it (after the loss kernel, before
    ///     the sums). Nil: unweighted, the kernel of old, bit for bit.
    @inlinable
    package static func contiguous<T: KernelScalar, L: LossKernel>(
        _ loss: L.Type, weights: UnsafePointer<T>, features: Int, outputs: Int,
        block: UnsafePointer<T>, stride: Int, labels: UnsafeRawPointer, labelBytes: Int, rows: Int,
        into partial: UnsafeMutablePointer<T>,
        prefetching next: UnsafePointer<T>? = nil, scratch: UnsafeMutablePointer<T.Vector>? = nil,
        rowWeights: UnsafePointer<T>? = nil, lossParameter: T = 0
    ) {
        let vectors = (rows + T.lanes - 1) / T.lanes
        guard vectors > 0 else {
            for k in 0..<partialStride(features: features, outputs: outputs) { partial[k] = 0 }
            return
        }
        guard let scratch else {
            // A call of this same function (not inlined), so the kernels' bodies exist once.
            withUnsafeTemporaryAllocation(
                of: T.Vector.self, capacity: scratchVectors(T.self, features: features, outputs: outputs, rows: rows)
            ) {
                contiguous(
                    loss, weights: weights, features: features, outputs: outputs, block: block, stride: stride,
                    labels: labels, labelBytes: labelBytes, rows: rows, into: partial, prefetching: next,
                    scratch: $0.baseAddress!, rowWeights: rowWeights, lossParameter: lossParameter)
            }
            return
        }
        if labelBytes == 0 {
            // Regression: the label column holds the targets, one T a row.
            if let rowWeights {
                kernel(
                    loss, ScalarTargets.self, Weighted.self, weights: weights, features: features, outputs: outputs,
                    block: block, stride: stride, labels: labels, rows: rows, into: partial, prefetching: next,
                    scratch: scratch, rowWeights: rowWeights, lossParameter: lossParameter)
            } else {
                kernel(
                    loss, ScalarTargets.self, Unweighted.self, weights: weights, features: features, outputs: outputs,
                    block: block, stride: stride, labels: labels, rows: rows, into: partial, prefetching: next,
                    scratch: scratch, rowWeights: nil, lossParameter: lossParameter)
            }
            return
        }
        if let rowWeights {
            // Weighted rows: a copy of each kernel of its own, so the unweighted ones are
            // untouched (their code and their bits).
            if labelBytes == 1 {
                kernel(
                    loss, OneByteLabels.self, Weighted.self, weights: weights, features: features, outputs: outputs,
                    block: block, stride: stride, labels: labels, rows: rows, into: partial, prefetching: next,
                    scratch: scratch, rowWeights: rowWeights, lossParameter: lossParameter)
            } else {
                kernel(
                    loss, TwoByteLabels.self, Weighted.self, weights: weights, features: features, outputs: outputs,
                    block: block, stride: stride, labels: labels, rows: rows, into: partial, prefetching: next,
                    scratch: scratch, rowWeights: rowWeights, lossParameter: lossParameter)
            }
            return
        }
        // The label width as a constant in each copy of the kernel: a width read from memory
        // put a compare and a branch beside every label load (-5% in cache, float64). It is a
        // type, so each specialization has it, whatever the inliner decides (as a constant
        // argument it held only while the kernel was inlined here, which a change elsewhere
        // in the module could undo: +1% instructions a row in 0.8.0's first build).
        if labelBytes == 1 {
            kernel(
                loss, OneByteLabels.self, Unweighted.self, weights: weights, features: features, outputs: outputs,
                block: block, stride: stride,
                labels: labels, rows: rows, into: partial, prefetching: next, scratch: scratch, rowWeights: nil,
                lossParameter: lossParameter)
        } else {
            kernel(
                loss, TwoByteLabels.self, Unweighted.self, weights: weights, features: features, outputs: outputs,
                block: block, stride: stride,
                labels: labels, rows: rows, into: partial, prefetching: next, scratch: scratch, rowWeights: nil,
                lossParameter: lossParameter)
        }
    }

    /// The kernel that suits the problem, for ``contiguous(_:weights:features:outputs:block:stride:labels:labelBytes:rows:into:prefetching:scratch:)``.
    @inlinable @inline(__always)
    static func kernel<T: KernelScalar, L: LossKernel, W: PackedLabelWidth, R: RowWeighting>(
        _ loss: L.Type, _ width: W.Type, _ weighting: R.Type, weights: UnsafePointer<T>, features: Int, outputs: Int,
        block: UnsafePointer<T>, stride: Int, labels: UnsafeRawPointer, rows: Int,
        into partial: UnsafeMutablePointer<T>, prefetching next: UnsafePointer<T>?,
        scratch: UnsafeMutablePointer<T.Vector>, rowWeights: UnsafePointer<T>?, lossParameter: T
    ) {
        // One output unit in float64: the single-pass kernel (same bits). Measured on AMD EPYC
        // (BENCHMARKS.md, issue 12): +7% at 1 thread and +29% at 2 in float64, but 14% slower at
        // 1 thread in float32, whose vectors of 16 rows leave fewer registers for it.
        if outputs == 1 && MemoryLayout<T>.size == 8 {
            fusedBinary(
                loss, width, weighting, weights: weights, features: features, block: block, stride: stride,
                labels: labels, rows: rows, into: partial, prefetching: next, accumulators: scratch,
                rowWeights: rowWeights, lossParameter: lossParameter)
        } else {
            threePass(
                loss, width, weighting, weights: weights, features: features, outputs: outputs, block: block,
                stride: stride, labels: labels, rows: rows, into: partial, prefetching: next, scores: scratch,
                rowWeights: rowWeights, lossParameter: lossParameter)
        }
    }

    /// Row vector `vector` (rows `vector * lanes ..< (vector + 1) * lanes`) of column `column`
    /// of a block. The index arithmetic wraps (&*, &+): a block is at most a chunk, and checked
    /// multiplications put an overflow test and a branch beside every load of a kernel's loop.
    @inlinable @inline(__always)
    static func rowVector<T: KernelScalar>(_ block: UnsafePointer<T>, _ stride: Int, _ column: Int, _ vector: Int)
        -> T.Vector
    {
        UnsafeRawPointer(block + (column &* stride &+ vector &* T.lanes)).loadUnaligned(as: T.Vector.self)
    }

    /// The labels of row vector `vector` from a packed label column, as floats.
    @inlinable @inline(__always)
    static func labelVector<T: KernelScalar>(_ labels: UnsafeRawPointer, _ bytes: Int, _ vector: Int, as _: T.Type)
        -> T.Vector
    {
        // 0: regression targets, one T a row (``ScalarTargets``).
        if bytes == 0 {
            return (labels + vector &* (T.lanes &* MemoryLayout<T>.stride)).loadUnaligned(as: T.Vector.self)
        }
        return T.labelVector(labels + vector &* (T.lanes &* bytes), bytes: bytes)
    }

    /// Bytes of a block to prefetch: its features and its packed labels.
    @inlinable @inline(__always)
    static func blockBytes<T: KernelScalar>(_: T.Type, features: Int, stride: Int, labelBytes: Int) -> Int {
        features * stride * MemoryLayout<T>.stride + stride * (labelBytes == 0 ? MemoryLayout<T>.stride : labelBytes)
    }

    /// Vectors of scratch that ``contiguous(_:weights:features:outputs:block:stride:labels:labelBytes:rows:into:prefetching:scratch:)``
    /// uses for a block of up to `rows` rows: the scores of the three-pass kernel or the
    /// accumulators of the one-pass kernel, whichever is more.
    @inlinable
    package static func scratchVectors<T: KernelScalar>(_: T.Type, features: Int, outputs: Int, rows: Int) -> Int {
        max(outputs * ((rows + T.lanes - 1) / T.lanes), 4 * (features + 1))
    }

    /// The three passes of ``contiguous(_:weights:features:outputs:block:stride:labels:labelBytes:rows:into:prefetching:scratch:)``,
    /// with the chunk's scores in `z` (`outputs x vectors`).
    @inlinable @inline(__always)
    static func threePass<T: KernelScalar, L: LossKernel, W: PackedLabelWidth, R: RowWeighting>(
        _ loss: L.Type, _ width: W.Type, _ weighting: R.Type, weights: UnsafePointer<T>, features: Int, outputs: Int,
        block: UnsafePointer<T>, stride: Int, labels: UnsafeRawPointer, rows: Int,
        into partial: UnsafeMutablePointer<T>,
        prefetching next: UnsafePointer<T>?, scores z: UnsafeMutablePointer<T.Vector>,
        rowWeights: UnsafePointer<T>?, lossParameter: T
    ) {
        let parameter = T.Vector(repeating: lossParameter)
        let labelBytes = W.bytes
        let lanes = T.lanes
        let vectors = (rows + lanes - 1) / lanes
        let width = features + 1
        @inline(__always) func load(_ column: Int, _ vector: Int) -> T.Vector {
            rowVector(block, stride, column, vector)
        }
        @inline(__always) func label(_ vector: Int) -> T.Vector { labelVector(labels, labelBytes, vector, as: T.self) }
        // Pass 1: scores, one output unit at a time, feature by feature.
        for k in 0..<outputs {
            let w = weights + k * width
            let zk = z + k * vectors
            let w0 = T.Vector(repeating: w[0])
            for v in 0..<vectors { zk[v] = load(0, v) * w0 }
            for j in 1..<width - 1 {
                let wj = T.Vector(repeating: w[j])
                for v in 0..<vectors { zk[v] = zk[v] + load(j, v) * wj }
            }
            let bias = T.Vector(repeating: w[features])
            for v in 0..<vectors { zk[v] = zk[v] + bias }
        }
        // Pass 2: losses and dLoss/dz, row vectors independent of each other. While it
        // computes, the next chunk's block is prefetched, so memory and arithmetic overlap.
        let nextLines =
            next == nil ? 0 : (blockBytes(T.self, features: features, stride: stride, labelBytes: labelBytes) + 63) / 64
        let linesPerVector = (nextLines + vectors - 1) / vectors
        let nextBytes = next.map { UnsafeRawPointer($0) }
        var lossSum = T.Vector(repeating: 0)
        // Four row vectors per step: their exp and division chains are independent, and
        // written side by side they overlap in the pipeline instead of waiting in turn.
        var v = 0
        while v + 4 < vectors {
            if let nextBytes {
                var line = min(nextLines, v &* linesPerVector)
                let end = min(nextLines, (v &+ 4) &* linesPerVector)
                while line < end {
                    descent_prefetch(nextBytes + line &* 64)
                    line &+= 1
                }
            }
            var l0 = L.apply(
                z + v, stride: vectors, outputs: outputs, labels: label(v), parameter: parameter, as: T.self)
            var l1 = L.apply(
                z + v + 1, stride: vectors, outputs: outputs, labels: label(v + 1), parameter: parameter, as: T.self)
            var l2 = L.apply(
                z + v + 2, stride: vectors, outputs: outputs, labels: label(v + 2), parameter: parameter, as: T.self)
            var l3 = L.apply(
                z + v + 3, stride: vectors, outputs: outputs, labels: label(v + 3), parameter: parameter, as: T.self)
            R.scale(&l0, z + v, stride: vectors, outputs: outputs, rowWeights, v)
            R.scale(&l1, z + v + 1, stride: vectors, outputs: outputs, rowWeights, v + 1)
            R.scale(&l2, z + v + 2, stride: vectors, outputs: outputs, rowWeights, v + 2)
            R.scale(&l3, z + v + 3, stride: vectors, outputs: outputs, rowWeights, v + 3)
            lossSum = lossSum + l0
            lossSum = lossSum + l1
            lossSum = lossSum + l2
            lossSum = lossSum + l3
            v += 4
        }
        while v < vectors - 1 {
            var l = L.apply(
                z + v, stride: vectors, outputs: outputs, labels: label(v), parameter: parameter, as: T.self)
            R.scale(&l, z + v, stride: vectors, outputs: outputs, rowWeights, v)
            lossSum = lossSum + l
            v += 1
        }
        do {
            let v = vectors - 1
            var last = L.apply(
                z + v, stride: vectors, outputs: outputs, labels: label(v), parameter: parameter, as: T.self)
            R.scale(&last, z + v, stride: vectors, outputs: outputs, rowWeights, v)
            let filled = rows - v * lanes
            if filled < lanes {
                last = T.keepingLanes(last, below: filled)
                for k in 0..<outputs { z[k * vectors + v] = T.keepingLanes(z[k * vectors + v], below: filled) }
            }
            lossSum = lossSum + last
        }
        // Pass 3: gradient sums, four interleaved accumulators per weight.
        for k in 0..<outputs {
            let zk = z + k * vectors
            for j in 0...features {
                var a0 = T.Vector(repeating: 0)
                var a1 = a0
                var a2 = a0
                var a3 = a0
                var v = 0
                if j < features {
                    while v + 4 <= vectors {
                        a0 = a0 + zk[v] * load(j, v)
                        a1 = a1 + zk[v + 1] * load(j, v + 1)
                        a2 = a2 + zk[v + 2] * load(j, v + 2)
                        a3 = a3 + zk[v + 3] * load(j, v + 3)
                        v += 4
                    }
                    if v < vectors { a0 = a0 + zk[v] * load(j, v) }
                    if v + 1 < vectors { a1 = a1 + zk[v + 1] * load(j, v + 1) }
                    if v + 2 < vectors { a2 = a2 + zk[v + 2] * load(j, v + 2) }
                } else {
                    while v + 4 <= vectors {
                        a0 = a0 + zk[v]
                        a1 = a1 + zk[v + 1]
                        a2 = a2 + zk[v + 2]
                        a3 = a3 + zk[v + 3]
                        v += 4
                    }
                    if v < vectors { a0 = a0 + zk[v] }
                    if v + 1 < vectors { a1 = a1 + zk[v + 1] }
                    if v + 2 < vectors { a2 = a2 + zk[v + 2] }
                }
                partial[k * width + j] = T.horizontalSum((a0 + a1) + (a2 + a3))
            }
        }
        partial[outputs * width] = T.horizontalSum(lossSum)
    }

    /// ``contiguous(_:weights:features:outputs:block:stride:labels:labelBytes:rows:into:prefetching:scratch:)`` for one
    /// output unit (the binary losses) in a single pass: four row vectors at a time, their
    /// scores, losses and gradient terms are computed while their features are in registers,
    /// instead of storing the scores and reading the block again. Every sum is formed in the
    /// same order as the three-pass code (scores left to right, losses vector by vector,
    /// vector v into gradient accumulator v % 4), so the bits are the same.
    ///
    /// Its accumulators are in `acc` (accumulator i of weight j at `acc[4 j + i]`).
    @inlinable @inline(__always)
    static func fusedBinary<T: KernelScalar, L: LossKernel, W: PackedLabelWidth, R: RowWeighting>(
        _ loss: L.Type, _ width: W.Type, _ weighting: R.Type, weights: UnsafePointer<T>, features: Int,
        block: UnsafePointer<T>, stride: Int, labels: UnsafeRawPointer, rows: Int,
        into partial: UnsafeMutablePointer<T>,
        prefetching next: UnsafePointer<T>?, accumulators acc: UnsafeMutablePointer<T.Vector>,
        rowWeights: UnsafePointer<T>?, lossParameter: T
    ) {
        let parameter = T.Vector(repeating: lossParameter)
        let labelBytes = W.bytes
        let lanes = T.lanes
        let vectors = (rows + lanes - 1) / lanes
        let width = features + 1
        @inline(__always) func load(_ column: Int, _ vector: Int) -> T.Vector {
            rowVector(block, stride, column, vector)
        }
        @inline(__always) func score(_ v: Int) -> T.Vector {
            var z = load(0, v) * T.Vector(repeating: weights[0])
            var j = 1
            while j < features {
                z = z + load(j, v) * T.Vector(repeating: weights[j])
                j &+= 1
            }
            return z + T.Vector(repeating: weights[features])
        }
        @inline(__always) func label(_ vector: Int) -> T.Vector { labelVector(labels, labelBytes, vector, as: T.self) }
        @inline(__always) func lossAndDerivative(_ z: inout T.Vector, _ v: Int) -> T.Vector {
            var l = L.apply(&z, stride: 1, outputs: 1, labels: label(v), parameter: parameter, as: T.self)
            R.scale(&l, &z, rowWeights, v)
            return l
        }
        let w0 = T.Vector(repeating: weights[0])
        let bias = T.Vector(repeating: weights[features])
        let nextLines =
            next == nil ? 0 : (blockBytes(T.self, features: features, stride: stride, labelBytes: labelBytes) + 63) / 64
        let linesPerQuad = (nextLines + vectors / 4) / max(1, vectors / 4)
        let nextBytes = next.map { UnsafeRawPointer($0) }
        acc.initialize(repeating: T.Vector(repeating: 0), count: 4 * width)
        var lossSum = T.Vector(repeating: 0)
        var v = 0
        var quad = 0
        while v + 4 < vectors {
            if let nextBytes {
                var line = min(nextLines, quad &* linesPerQuad)
                let end = min(nextLines, (quad &+ 1) &* linesPerQuad)
                while line < end {
                    descent_prefetch(nextBytes + line &* 64)
                    line &+= 1
                }
            }
            // The four vectors' scores feature by feature (each score's sum in the order of
            // score(_:): feature 0, 1, ..., then the bias): one pass of the feature loop
            // for all four instead of four.
            var z0 = load(0, v) * w0
            var z1 = load(0, v &+ 1) * w0
            var z2 = load(0, v &+ 2) * w0
            var z3 = load(0, v &+ 3) * w0
            var j = 1
            while j < features {
                let wj = T.Vector(repeating: weights[j])
                z0 = z0 + load(j, v) * wj
                z1 = z1 + load(j, v &+ 1) * wj
                z2 = z2 + load(j, v &+ 2) * wj
                z3 = z3 + load(j, v &+ 3) * wj
                j &+= 1
            }
            z0 = z0 + bias
            z1 = z1 + bias
            z2 = z2 + bias
            z3 = z3 + bias
            // L.apply written out rather than through lossAndDerivative: the log loss's body
            // (an exp, a log, two divisions) is past what the inliner takes through the
            // local function, and an out-of-line call per vector costs the quad its overlap.
            var l0 = L.apply(&z0, stride: 1, outputs: 1, labels: label(v), parameter: parameter, as: T.self)
            var l1 = L.apply(&z1, stride: 1, outputs: 1, labels: label(v &+ 1), parameter: parameter, as: T.self)
            var l2 = L.apply(&z2, stride: 1, outputs: 1, labels: label(v &+ 2), parameter: parameter, as: T.self)
            var l3 = L.apply(&z3, stride: 1, outputs: 1, labels: label(v &+ 3), parameter: parameter, as: T.self)
            R.scale(&l0, &z0, rowWeights, v)
            R.scale(&l1, &z1, rowWeights, v &+ 1)
            R.scale(&l2, &z2, rowWeights, v &+ 2)
            R.scale(&l3, &z3, rowWeights, v &+ 3)
            lossSum = lossSum + l0
            lossSum = lossSum + l1
            lossSum = lossSum + l2
            lossSum = lossSum + l3
            j = 0
            while j < features {
                let a = acc + 4 &* j
                a[0] = a[0] + z0 * load(j, v)
                a[1] = a[1] + z1 * load(j, v &+ 1)
                a[2] = a[2] + z2 * load(j, v &+ 2)
                a[3] = a[3] + z3 * load(j, v &+ 3)
                j &+= 1
            }
            let b = acc + 4 &* features
            b[0] = b[0] + z0
            b[1] = b[1] + z1
            b[2] = b[2] + z2
            b[3] = b[3] + z3
            v &+= 4
            quad &+= 1
        }
        // The last one to four vectors; the very last may be partly filled.
        while v < vectors {
            var z = score(v)
            var l = lossAndDerivative(&z, v)
            let filled = rows - v * lanes
            if v == vectors - 1 && filled < lanes {
                l = T.keepingLanes(l, below: filled)
                z = T.keepingLanes(z, below: filled)
            }
            lossSum = lossSum + l
            let i = v & 3
            for j in 0..<features { acc[4 * j + i] = acc[4 * j + i] + z * load(j, v) }
            acc[4 * features + i] = acc[4 * features + i] + z
            v += 1
        }
        for j in 0...features {
            partial[j] = T.horizontalSum((acc[4 * j] + acc[4 * j + 1]) + (acc[4 * j + 2] + acc[4 * j + 3]))
        }
        partial[width] = T.horizontalSum(lossSum)
    }

    /// Accumulates `rows` rows (at most one chunk) into `partial` (overwriting it): row i's
    /// features are read through `row(i)`, feature j at `row(i)[j * featureStride]`, and its
    /// class index is `label(i)`. The rows are copied into a chunk-shaped block in L1 (with a
    /// 2-byte label column) and go through
    /// ``contiguous(_:weights:features:outputs:block:stride:labels:labelBytes:rows:into:prefetching:scratch:)``,
    /// so a row contributes the same bits as it does in a full-batch epoch at the same local index.
    ///
    /// SGD reads its batches this way from the stored blocks when a batch straddles two chunks.
    @inlinable
    package static func copied<T: KernelScalar, L: LossKernel>(
        _ loss: L.Type, weights: UnsafePointer<T>, features: Int, outputs: Int, rows: Int, featureStride: Int,
        into partial: UnsafeMutablePointer<T>, row: (Int) -> UnsafePointer<T>, label: (Int) -> Int
    ) {
        let lanes = T.lanes
        let padded = (rows + lanes - 1) / lanes * lanes
        let stride = max(padded, lanes)
        withUnsafeTemporaryAllocation(of: T.self, capacity: features * stride) { buffer in
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: stride) { labels in
                let block = buffer.baseAddress!
                let column = labels.baseAddress!
                for i in 0..<rows {
                    let source = row(i)
                    for j in 0..<features { block[j &* stride &+ i] = source[j &* featureStride] }
                    column[i] = UInt16(truncatingIfNeeded: label(i))
                }
                if rows < stride {
                    for j in 0..<features { (block + j * stride + rows).initialize(repeating: 0, count: stride - rows) }
                    (column + rows).initialize(repeating: 0, count: stride - rows)
                }
                contiguous(
                    loss, weights: weights, features: features, outputs: outputs, block: block, stride: stride,
                    labels: UnsafeRawPointer(column), labelBytes: 2, rows: rows, into: partial)
            }
        }
    }

    /// Accumulates `rows` rows (at most one chunk) gathered through `order` into `partial`:
    /// row i is row `order[i]` of a row-major window, its feature j at
    /// `source[order[i] * width + j]` and its class index (as `T`) at
    /// `source[order[i] * width + features]`, with `width = features + 1`. Bit for bit
    /// ``rowMajor(_:weights:features:outputs:rows:source:into:)`` on those rows in that order:
    /// they are gathered into a chunk-shaped block in L1 and go through
    /// ``contiguous(_:weights:features:outputs:block:stride:labels:labelBytes:rows:into:prefetching:scratch:rowWeights:lossParameter:)``
    /// (a block-shuffled epoch's batches).
    @inlinable @inline(__always)
    package static func gathered<T: KernelScalar, L: LossKernel>(
        _ loss: L.Type, weights: UnsafePointer<T>, features: Int, outputs: Int, rows: Int,
        source: UnsafePointer<T>, order: UnsafePointer<UInt32>,
        into partial: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T.Vector>?
    ) {
        let lanes = T.lanes
        let padded = (rows + lanes - 1) / lanes * lanes
        let stride = max(padded, lanes)
        let width = features + 1
        withUnsafeTemporaryAllocation(of: T.self, capacity: features * stride) { buffer in
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: stride) { labelBuffer in
                let block = buffer.baseAddress!
                let labelColumn = labelBuffer.baseAddress!
                // In tiles of 32 rows, column by column: the tile's gathered rows (one or two cache
                // lines each) and its piece of every column stay in L1 while it is transposed.
                var tile = 0
                while tile < rows {
                    let end = min(rows, tile &+ 32)
                    for j in 0..<features {
                        let column = block + j &* stride
                        let from = source + j
                        for i in tile..<end { column[i] = from[Int(order[i]) &* width] }
                    }
                    let from = source + features
                    for i in tile..<end {
                        labelColumn[i] = UInt16(truncatingIfNeeded: RowSink<T>.integer(from[Int(order[i]) &* width]))
                    }
                    tile = end
                }
                if rows < stride {
                    for j in 0..<features {
                        (block + j &* stride + rows).initialize(repeating: 0, count: stride - rows)
                    }
                    (labelColumn + rows).initialize(repeating: 0, count: stride - rows)
                }
                contiguous(
                    loss, weights: weights, features: features, outputs: outputs, block: block, stride: stride,
                    labels: UnsafeRawPointer(labelColumn), labelBytes: 2, rows: rows, into: partial, scratch: scratch)
            }
        }
    }

    /// Accumulates `rows` row-major rows (at most one chunk) into `partial`: row i's feature
    /// j at `source[i * width + j]`, its label (a class index as `T`) at
    /// `source[i * width + features]`, with `width = features + 1`. Bit for bit the same as
    /// ``copied(_:weights:features:outputs:rows:featureStride:into:row:label:)`` on those rows.
    @inlinable
    package static func rowMajor<T: KernelScalar, L: LossKernel>(
        _ loss: L.Type, weights: UnsafePointer<T>, features: Int, outputs: Int, rows: Int,
        source: UnsafePointer<T>, into partial: UnsafeMutablePointer<T>
    ) {
        let lanes = T.lanes
        let padded = (rows + lanes - 1) / lanes * lanes
        let stride = max(padded, lanes)
        let width = features + 1
        withUnsafeTemporaryAllocation(of: T.self, capacity: features * stride) { buffer in
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: stride) { labels in
                let block = buffer.baseAddress!
                let labelColumn = labels.baseAddress!
                // Column by column: strided loads, contiguous stores.
                for j in 0..<features {
                    let column = block + j &* stride
                    var from = source + j
                    for i in 0..<rows {
                        column[i] = from.pointee
                        from += width
                    }
                    if rows < stride { (column + rows).initialize(repeating: 0, count: stride - rows) }
                }
                var from = source + features
                for i in 0..<rows {
                    labelColumn[i] = UInt16(truncatingIfNeeded: RowSink<T>.integer(from.pointee))
                    from += width
                }
                if rows < stride { (labelColumn + rows).initialize(repeating: 0, count: stride - rows) }
                contiguous(
                    loss, weights: weights, features: features, outputs: outputs, block: block, stride: stride,
                    labels: UnsafeRawPointer(labelColumn), labelBytes: 2, rows: rows, into: partial)
            }
        }
    }

    /// The loss and gradient of one row, for per-sample SGD: bit for bit what
    /// ``contiguous(_:weights:features:outputs:block:stride:labels:labelBytes:rows:into:prefetching:scratch:)`` gives
    /// for a chunk of that one row, without its three passes over a block.
    ///
    /// The score is summed left to right as pass 1 sums it, the loss runs in the lanes of
    /// one vector (lane 0 is kept), and each gradient value is `0 + dz * x`, which is what the
    /// kernel's accumulators and horizontal sum leave when every other lane is zero.
    ///
    /// - Parameters:
    ///   - loss: the loss kernel.
    ///   - weights: `outputs x (features + 1)` weights, bias last in each row.
    ///   - features: features per row.
    ///   - outputs: output units (1 for the binary losses).
    ///   - row: feature j at `row[j * featureStride]`.
    ///   - featureStride: scalars between one feature of the row and the next.
    ///   - label: the row's class index.
    ///   - scores: scratch for `outputs` vectors.
    ///   - gradient: receives `outputs * (features + 1)` values.
    /// - Returns: the row's loss.
    @inlinable @inline(__always)
    package static func single<T: KernelScalar, L: LossKernel>(
        _ loss: L.Type, weights: UnsafePointer<T>, features: Int, outputs: Int, row: UnsafePointer<T>,
        featureStride: Int,
        label: T, scores: UnsafeMutablePointer<T.Vector>, gradient: UnsafeMutablePointer<T>, lossParameter: T = 0
    ) -> T {
        let parameter = T.Vector(repeating: lossParameter)
        let width = features &+ 1
        let zero: T = 0
        if outputs == 1 {
            // One output: the score stays in a register instead of going through memory.
            var z = row[0] * weights[0]
            var j = 1
            while j < features {
                z = z + row[j &* featureStride] * weights[j]
                j &+= 1
            }
            z = z + weights[features]
            var score = T.Vector(repeating: z)
            let lossValue = withUnsafeMutablePointer(to: &score) {
                L.apply(
                    $0, stride: 1, outputs: 1, labels: T.Vector(repeating: label), parameter: parameter, as: T.self)[0]
            }
            let dz = score[0]
            for j in 0..<features { gradient[j] = zero + dz * row[j &* featureStride] }
            gradient[features] = zero + dz
            return zero + lossValue
        }
        for k in 0..<outputs {
            let w = weights + k &* width
            var z = row[0] * w[0]
            var j = 1
            while j < features {
                z = z + row[j &* featureStride] * w[j]
                j &+= 1
            }
            z = z + w[features]
            scores[k] = T.Vector(repeating: z)
        }
        let lossValue = L.apply(
            scores, stride: 1, outputs: outputs, labels: T.Vector(repeating: label), parameter: parameter, as: T.self)[
                0]
        for k in 0..<outputs {
            let dz = scores[k][0]
            let g = gradient + k &* width
            for j in 0..<features { g[j] = zero + dz * row[j &* featureStride] }
            g[features] = zero + dz
        }
        return zero + lossValue
    }
}

/// The width of a packed label column (``Dataset``'s 1 or 2 bytes a class index) as a type:
/// each specialization of the kernels has it as a constant.
@usableFromInline
protocol PackedLabelWidth {
    static var bytes: Int { get }
}

@usableFromInline
enum OneByteLabels: PackedLabelWidth {
    @inlinable static var bytes: Int { 1 }
}

@usableFromInline
enum TwoByteLabels: PackedLabelWidth {
    @inlinable static var bytes: Int { 2 }
}

/// Whether a kernel multiplies each row's loss and loss derivative by a row weight, as a
/// type: the unweighted kernels keep their code (and bits) and the weighted ones have the
/// multiplication as straight-line code.
@usableFromInline
protocol RowWeighting {
    /// Multiplies the loss vector and `outputs` derivative vectors (`stride` apart) of row
    /// vector `vector` by its rows' weights.
    static func scale<T: KernelScalar>(
        _ loss: inout T.Vector, _ derivatives: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int,
        _ rowWeights: UnsafePointer<T>?, _ vector: Int)
    /// The same for one output whose derivative is a register.
    static func scale<T: KernelScalar>(
        _ loss: inout T.Vector, _ derivative: inout T.Vector, _ rowWeights: UnsafePointer<T>?, _ vector: Int)
}

@usableFromInline
enum Unweighted: RowWeighting {
    @inlinable @inline(__always)
    static func scale<T: KernelScalar>(
        _ loss: inout T.Vector, _ derivatives: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int,
        _ rowWeights: UnsafePointer<T>?, _ vector: Int
    ) {}
    @inlinable @inline(__always)
    static func scale<T: KernelScalar>(
        _ loss: inout T.Vector, _ derivative: inout T.Vector, _ rowWeights: UnsafePointer<T>?, _ vector: Int
    ) {}
}

@usableFromInline
enum Weighted: RowWeighting {
    @inlinable @inline(__always)
    static func weights<T: KernelScalar>(_ rowWeights: UnsafePointer<T>?, _ vector: Int) -> T.Vector {
        UnsafeRawPointer(rowWeights.unsafelyUnwrapped + vector &* T.lanes).loadUnaligned(as: T.Vector.self)
    }
    @inlinable @inline(__always)
    static func scale<T: KernelScalar>(
        _ loss: inout T.Vector, _ derivatives: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int,
        _ rowWeights: UnsafePointer<T>?, _ vector: Int
    ) {
        let w = weights(rowWeights, vector)
        loss = loss * w
        for k in 0..<outputs { derivatives[k &* stride] = derivatives[k &* stride] * w }
    }
    @inlinable @inline(__always)
    static func scale<T: KernelScalar>(
        _ loss: inout T.Vector, _ derivative: inout T.Vector, _ rowWeights: UnsafePointer<T>?, _ vector: Int
    ) {
        let w = weights(rowWeights, vector)
        loss = loss * w
        derivative = derivative * w
    }
}

/// Regression targets in place of packed labels: the label column holds one `T` a row
/// (``Dataset/holdsTargets``), loaded as a vector.
@usableFromInline
enum ScalarTargets: PackedLabelWidth {
    @inlinable static var bytes: Int { 0 }
}
