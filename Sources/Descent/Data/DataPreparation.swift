/// Mean and standard deviation of each training feature, applied to every set (`--standardize`).
public struct Standardization: Sendable, Equatable {
    public var mean: [Double]
    public var std: [Double]

    public init(mean: [Double], std: [Double]) {
        self.mean = mean
        self.std = std
    }
}

/// The datasets of a run, placed in shards and ready to train on.
public struct PreparedData<T: KernelScalar>: Sendable {
    public var train: Dataset<T>
    public var test: Dataset<T>
    public var validation: Dataset<T>?
    public var featureNames: [String]
    /// The classes, named as the training file holds its labels.
    public var classes: LabelEncoding
    /// The label column's name ("label" for generated data).
    public var labelName: String
    public var standardization: Standardization?
    /// The ranks of a multi-process run (nil in one process).
    public var ranks: RankGroup? = nil
    /// How the svmlight file the data came from numbered its features (`.zero` or `.one`);
    /// nil for dense data.
    package var indexBase: IndexBase? = nil
    public var classCount: Int { classes.count }
}

/// Builds the train, validation and test datasets from blobs or files.
public enum DataPreparation {
    /// Generates or reads the data that `source` describes.
    ///
    /// Blobs are generated straight into their shards, row by row from the counter-based
    /// generator, on the threads that will train on them. Files are parsed in parallel
    /// straight into the shards (see `CSVFile` and `NPYFile`); each row goes to its
    /// place in the seeded split, so no intermediate table is made. The result has the same
    /// bits for every thread count.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func prepare<T: KernelScalar>(
        _ source: DataSource, as _: T.Type = T.self,
        executor: ShardedExecutor, topology: Topology = .current,
        ranks: RankGroup? = nil, everyTrainingRow: Bool = false
    ) throws -> PreparedData<T> {
        if case .files(let trainPath, let testPath, let labelColumn) = source.origin {
            var data: PreparedData<T> = try prepareFiles(
                source, train: trainPath, test: testPath, labelColumn: labelColumn,
                executor: executor, topology: topology, ranks: ranks, everyTrainingRow: everyTrainingRow)
            data.ranks = ranks
            try RowWeights.prepare(data, source: source, executor: executor)
            return data
        }
        guard case .blobs(let samples, let features, let centers, let clusterStd, let centerBox) = source.origin else {
            fatalError()
        }
        guard centers <= Dataset<T>.maximumClasses else {
            throw DescentError.configuration(
                "--centers \(centers) is more classes than descent trains (at most \(Dataset<T>.maximumClasses))")
        }
        try MemoryBudget.check(
            [
                .init(
                    "data",
                    MemoryBudget.datasetBytes(
                        rows: heldRows(samples, ranks: everyTrainingRow ? nil : ranks) + 2 * ChunkPlan.defaultChunkRows,
                        features: features + (source.weighted ? 1 : 0), scalarBytes: MemoryLayout<T>.stride)),
                .init("blob centers", MemoryBudget.product(centers, features, 8)),
            ], hint: "use fewer --samples or --features, or --precision float32 (half the bytes)")
        let generator = BlobGenerator(
            samples: samples, features: features, centers: centers, clusterStd: clusterStd,
            centerBox: centerBox, seed: source.seed)
        let split = DataSplit(
            count: samples, testFraction: source.testFraction,
            validationFraction: source.validationFraction, seed: source.seed)
        guard split.count - split.testCount >= 1, split.testCount >= 1 else {
            throw DescentError.configuration(
                "--samples \(samples) with --test-fraction \(source.testFraction) leaves an empty training or test set; use more samples"
            )
        }
        try checkValidationLeavesTraining(split, validationFraction: source.validationFraction)
        let policy = source.placement
        if source.regression {
            let generator = RegressionGenerator(
                samples: samples, features: features, noise: source.noise, seed: source.seed)
            func rows(_ count: Int, ranks: RankGroup?, _ origin: @escaping @Sendable (Int) -> SIMD8<UInt64>) -> Dataset<
                T
            > {
                let set = Dataset<T>(
                    rowCount: count, featureCount: features, classCount: 1, placement: policy, topology: topology,
                    executor: executor, ranks: ranks, packingLabels: false
                ) { range, block, stride in
                    generator.fill(
                        count: range.count, rows: { Int(origin(range.lowerBound + $0)[0]) }, into: block, stride: stride
                    )
                }
                set.holdTargets()
                return set
            }
            let train = rows(split.trainCount, ranks: everyTrainingRow ? nil : ranks) { split.trainRows(from: $0) }
            let validation =
                split.validationCount > 0
                ? rows(split.validationCount, ranks: ranks) { split.validationRows(from: $0) } : nil
            let test = rows(split.testCount, ranks: ranks) { split.testRows(from: $0) }
            return PreparedData(
                train: train, test: test, validation: validation, featureNames: (0..<features).map { "x\($0)" },
                classes: LabelEncoding(indices: 1), labelName: "y", standardization: nil, ranks: ranks)
        }
        func blobs(
            rows: Int, ranks: RankGroup?, weighted: Bool = false, source: @escaping @Sendable (Int) -> SIMD8<UInt64>
        ) -> Dataset<T> {
            let d = generator.features
            return Dataset<T>(
                rowCount: rows, featureCount: d, classCount: generator.centerCount, placement: policy,
                topology: topology, executor: executor, ranks: ranks, weighted: weighted
            ) { range, block, stride in
                generator.fill(count: range.count, rows: { source(range.lowerBound + $0) }, into: block, stride: stride)
            }
        }
        // Generated rows have no weight column; --class-weight gives the training and
        // validation rows theirs (``RowWeights``).
        let weighted = source.classWeight != nil
        let train = blobs(rows: split.trainCount, ranks: everyTrainingRow ? nil : ranks, weighted: weighted) {
            split.trainRows(from: $0)
        }
        let validation =
            split.validationCount > 0
            ? blobs(rows: split.validationCount, ranks: ranks, weighted: weighted) { split.validationRows(from: $0) }
            : nil
        let test = blobs(rows: split.testCount, ranks: ranks) { split.testRows(from: $0) }
        let names = (0..<generator.features).map { "x\($0)" }
        try FiniteCheck.require(
            [("training", train), ("validation", validation), ("test", test)], featureNames: names, executor: executor
        ) { _, column, value in
            "--cluster-std \(clusterStd) and --center-box \(centerBox.lowerBound),\(centerBox.upperBound) generate values too large for \(T.precisionName)"
                + " (feature '\(column)' holds \(value); \(FiniteCheck.rangeNote(T.self))); use a smaller --cluster-std or --center-box"
                + (MemoryLayout<T>.size == 4 ? ", or --precision float64" : "")
        }
        let data = PreparedData(
            train: train, test: test, validation: validation,
            featureNames: names,
            classes: LabelEncoding(indices: generator.centerCount), labelName: "label", standardization: nil,
            ranks: ranks)
        try RowWeights.prepare(data, source: source, executor: executor)
        return data
    }

    static func prepareFiles<T: KernelScalar>(
        _ source: DataSource, train trainPath: String, test testPath: String?, labelColumn: String?,
        executor: ShardedExecutor, topology: Topology, ranks: RankGroup? = nil,
        everyTrainingRow: Bool = false
    ) throws -> PreparedData<T> {
        if SVMLightFile.named(trainPath) || testPath.map(SVMLightFile.named) == true {
            guard SVMLightFile.named(trainPath), testPath.map(SVMLightFile.named) ?? true else {
                throw DescentError.configuration(
                    "--train \(trainPath) and --test \(testPath ?? ""): one is an svmlight file (.svm, .svmlight, .libsvm) and one is not; give both files in one format"
                )
            }
            if let labelColumn {
                throw DescentError.configuration(
                    "--label-column '\(labelColumn)': an svmlight file's label is the first field of each line; leave --label-column out"
                )
            }
            return try prepareSVMLight(
                source, train: trainPath, test: testPath, executor: executor, topology: topology, ranks: ranks)
        }
        let trace = LoadTrace()
        defer { trace.finish() }
        let regression = source.regression
        let trainFile = try RowFiles.open(
            path: trainPath, role: "--train", labelColumn: labelColumn.map { .named($0) } ?? .last,
            weightColumn: source.weightColumn.map { WeightColumnChoice($0) }, targets: regression, executor: executor)
        let d = trainFile.featureNames.count
        let trainLabel = trainFile.labelName ?? "label"
        var testFile: RowFile?
        if let testPath {
            let file = try RowFiles.open(
                path: testPath, role: "--test",
                labelColumn: labelColumn.map { .named($0) } ?? .ifPresent(name: trainLabel, featureCount: d),
                weightColumn: source.weightColumn.map { WeightColumnChoice($0, optional: true) }, targets: regression,
                executor: executor)
            guard file.labelName != nil else {
                throw DescentError.input(
                    "\(testPath): no label column '\(trainLabel)'; the test file needs the training file's columns")
            }
            guard file.featureNames == trainFile.featureNames else {
                throw DescentError.input(
                    "\(testPath): columns \(file.featureNames) differ from the training file's \(trainFile.featureNames); both files need the same header"
                )
            }
            testFile = file
        }
        let split = try fileSplit(source, rows: trainFile.rowCount, path: trainPath, testFile: testFile != nil)
        trace.mark("open and count")
        try MemoryBudget.check(
            [
                .init(
                    "data",
                    MemoryBudget.datasetBytes(
                        rows: heldRows(
                            trainFile.rowCount + (testFile?.rowCount ?? 0), ranks: everyTrainingRow ? nil : ranks)
                            + 2 * ChunkPlan.defaultChunkRows,
                        features: d + (source.weighted ? 1 : 0), scalarBytes: MemoryLayout<T>.stride))
            ], hint: "train on fewer rows or columns, or use --precision float32 (half the bytes)")
        let policy = source.placement
        func empty(_ rows: Int, ranks: RankGroup? = ranks, weighted: Bool) -> Dataset<T> {
            // Zeroed on each shard's node; the readers then write every row in place.
            Dataset<T>(
                rowCount: rows, featureCount: d, classCount: 2, placement: policy, topology: topology,
                executor: executor, ranks: ranks, packingLabels: false, weighted: weighted
            ) { _, _, _ in }
        }
        // A set the training file's rows go to has a weight slot when that file has a weight
        // column (the reader writes it); a test file's, when it has one.
        let train = empty(split.trainCount, ranks: everyTrainingRow ? nil : ranks, weighted: source.weighted)
        let validation =
            split.validationCount > 0 ? empty(split.validationCount, weighted: source.weighted) : nil
        let test = empty(
            testFile?.rowCount ?? split.testCount, weighted: (testFile ?? trainFile).hasWeights)

        trace.mark("allocate")
        let classes: LabelEncoding
        if regression {
            // Targets are numbers in the label slots: no classes to collect. (Over ranks each
            // rank reads its own rows of a CSV, all of them of an .npy file.)
            let sink = RowSink<T>(
                split: split, test: testFile == nil ? test : nil, validation: validation, train: train)
            _ = try trainFile.read(into: sink, executor: executor)
            if let testFile { _ = try testFile.read(into: RowSink(dataset: test), executor: executor) }
            for set in [train, validation, test] { set?.holdTargets() }
            for (name, set) in [("training", train), ("validation", validation), ("test", test)] {
                guard let set else { continue }
                // A target past the precision's range (float32's 3.4e38) would train as inf.
                var bad = 0
                for chunk in set.ownedChunks {
                    let targets = set.labels(chunk).assumingMemoryBound(to: T.self)
                    for i in 0..<set.chunks.rows(ofChunk: chunk).count where !targets[i].isFinite { bad += 1 }
                }
                if (set.share?.sum([bad]) ?? [bad])[0] > 0 {
                    throw DescentError.input(
                        "\(name == "test" ? testFile?.path ?? trainPath : trainPath): column '\(trainLabel)' holds a target too large for \(T.precisionName) (\(FiniteCheck.rangeNote(T.self))) in the \(name) set; rescale the targets"
                            + (MemoryLayout<T>.size == 4 ? " or use --precision float64" : ""))
                }
            }
            classes = LabelEncoding(indices: 1)
            trace.mark("parse")
        } else if let ranks, let npy = trainFile as? NPYFile, testFile == nil || testFile is NPYFile,
            executor.threads <= RowSink<T>.maximumParts
        {
            // A rank of a multi-process run reads NumPy files by offset: only its own rows
            // (one label part per shard, so at most 256 threads; more read every row).
            classes = try readOwnRows(
                npy, testFile: testFile as? NPYFile, split: split, train: train, validation: validation, test: test,
                ranks: ranks, column: trainLabel, executor: executor)
            trace.mark("parse and labels")
        } else {
            // Training file: rows to their places in the split, labels collected per part. A
            // rank of a multi-process run parses only the rows it keeps (a CSV's other rows
            // are skipped to their line ends), and the ranks gather their labels, so every
            // rank numbers the classes as one process does.
            let sink = RowSink<T>(
                split: split, test: testFile == nil ? test : nil, validation: validation, train: train)
            let localParts = try trainFile.read(into: sink, executor: executor)
            trace.mark("parse")
            let gathered = RankGroup.gatherLabels(localParts, over: ranks)
            classes = try LabelEncoding.merging(
                gathered.all, column: trainLabel, describe: trainFile.describe(position:))
            try requireTrainableClassCount(classes, path: trainPath, column: trainLabel)
            let trainMaps = Array(
                try classes.classMaps(gathered.all, path: trainPath, describe: trainFile.describe(position:))[
                    gathered.mine])
            for set in [train, validation] + (testFile == nil ? [test] : []) {
                if let set { setLabels(set, parts: trainMaps, classCount: classes.count, executor: executor) }
            }
            if let testFile { try readRows(testFile, into: test, classes: classes, ranks: ranks, executor: executor) }
            trace.mark("labels")
        }
        let sets: [(name: String, dataset: Dataset<T>?)] = [
            ("training", train), ("validation", validation), ("test", test),
        ]
        let fileOf = { (set: String) in set == "test" ? testFile?.path ?? trainPath : trainPath }
        try FiniteCheck.require(sets, featureNames: trainFile.featureNames, executor: executor) { set, column, value in
            "\(fileOf(set)): column '\(column)' holds a value too large for \(T.precisionName) (read as \(value); \(FiniteCheck.rangeNote(T.self)))"
                + (MemoryLayout<T>.size == 4
                    ? "; use --precision float64, or rescale the column" : "; rescale the column")
        }
        var standardization: Standardization?
        if source.standardize {
            let s = Standardization.of(train, executor: executor)
            if let j = (0..<d).first(where: { !s.mean[$0].isFinite || !s.std[$0].isFinite }) {
                throw DescentError.input(
                    "\(trainPath): column '\(trainFile.featureNames[j])' is too large to standardize: its mean or variance overflows float64;"
                        + " rescale the column (divide it by a power of ten) before training, or train without --standardize"
                )
            }
            for set in [train, test] + (validation.map { [$0] } ?? []) { s.apply(to: set, executor: executor) }
            try FiniteCheck.require(sets, featureNames: trainFile.featureNames, executor: executor) {
                set, column, value in
                "\(fileOf(set)): column '\(column)' standardized by the training set's mean and standard deviation gives \(value) in the \(set) set"
                    + " (\(FiniteCheck.rangeNote(T.self))); rescale the column"
                    + (MemoryLayout<T>.size == 4 ? ", or use --precision float64" : "")
            }
            standardization = s
        }
        return PreparedData(
            train: train, test: test, validation: validation, featureNames: trainFile.featureNames,
            classes: classes, labelName: trainLabel, standardization: standardization)
    }

    /// Two classes at least (a classifier needs them), at most ``Dataset/maximumClasses``.
    static func requireTrainableClassCount(_ classes: LabelEncoding, path: String, column: String) throws {
        if classes.count > Dataset<Double>.maximumClasses {
            throw DescentError.input(
                "\(path): label column '\(column)' holds \(classes.count) distinct labels; descent trains up to \(Dataset<Double>.maximumClasses) classes (is --label-column right?)"
            )
        }
        guard classes.count < 2 else { return }
        throw DescentError.input(
            "\(path): every row has the label '\(classes.names.first ?? "")' in column '\(column)'; a classifier needs at least two classes (is --label-column right?)"
        )
    }

    /// A rank's rows of the NumPy files, read by offset (``NPYFile/read(rowsOf:from:executor:)``):
    /// each set's owned chunks from their source rows in the split (the test file's rows in
    /// order). The labels found are gathered from every rank, so every rank numbers the
    /// classes as one process reading every row does, and reports the same label errors.
    static func readOwnRows<T: KernelScalar>(
        _ file: NPYFile, testFile: NPYFile?, split: DataSplit, train: Dataset<T>,
        validation: Dataset<T>?, test: Dataset<T>, ranks: RankGroup, column: String,
        executor: ShardedExecutor
    ) throws -> LabelEncoding {
        var sets: [(set: Dataset<T>, source: @Sendable (Int) -> SIMD8<UInt64>)] = [
            (train, { split.trainRows(from: $0) })
        ]
        if let validation { sets.append((validation, { split.validationRows(from: $0) })) }
        if testFile == nil { sets.append((test, { split.testRows(from: $0) })) }
        let parts = try sets.map { try file.read(rowsOf: $0.set, from: $0.source, executor: executor) }
        let gathered = ranks.gatherLabels(parts.flatMap { $0 })
        let classes = try LabelEncoding.merging(gathered.all, column: column, describe: file.describe(position:))
        try requireTrainableClassCount(classes, path: file.path, column: column)
        let maps = try classes.classMaps(gathered.all, path: file.path, describe: file.describe(position:))[
            gathered.mine]
        var next = maps.startIndex
        for (k, entry) in sets.enumerated() {
            setLabels(
                entry.set, parts: Array(maps[next..<next + parts[k].count]), classCount: classes.count,
                executor: executor)
            next += parts[k].count
        }
        if let testFile { try readRows(testFile, into: test, classes: classes, ranks: ranks, executor: executor) }
        return classes
    }

    /// Reads every row of `file` into `dataset`, in file order (over ranks, this rank's own
    /// rows: a NumPy file's by offset, a CSV's other rows skipped to their line ends), and,
    /// when the file has a label column, numbers its labels by `classes` and packs them. The
    /// labels found are gathered from every rank first, so a label `classes` does not hold is
    /// the same error on every rank. A test file and the rows `descent predict` reads come
    /// through here.
    ///
    /// - Throws: ``DescentError/input(_:)`` for malformed rows or an unknown label.
    static func readRows<T: KernelScalar>(
        _ file: RowFile, into dataset: Dataset<T>, classes: LabelEncoding, ranks: RankGroup?,
        executor: ShardedExecutor
    ) throws {
        let local: [LabelCollector]
        if ranks != nil, let npy = file as? NPYFile, executor.threads <= RowSink<T>.maximumParts {
            // One label part per shard, so at most 256 threads; more read every row.
            local = try npy.read(rowsOf: dataset, from: { BlobGenerator.consecutiveRows(from: $0) }, executor: executor)
        } else {
            local = try file.read(into: RowSink(dataset: dataset), executor: executor)
        }
        guard file.labelName != nil else { return }
        if file.readsTargets {
            dataset.holdTargets()
            return
        }
        let gathered = RankGroup.gatherLabels(local, over: ranks)
        let maps = try classes.classMaps(gathered.all, path: file.path, describe: file.describe(position:))
        setLabels(dataset, parts: Array(maps[gathered.mine]), classCount: classes.count, executor: executor)
    }

    /// The rows of `rows` this process holds: all of them in one process; on a rank, its
    /// share in proportion to its threads, plus a chunk for each of the three sets' rounding.
    /// Each rank checks its own memory; one that has too little ends the run for all.
    package static func heldRows(_ rows: Int, ranks: RankGroup?) -> Int {
        guard let ranks else { return rows }
        let total = max(1, ranks.threads.reduce(0, +))
        return min(
            rows,
            Int((Double(rows) * Double(ranks.threads[ranks.rank]) / Double(total)).rounded(.up)) + 3
                * ChunkPlan.defaultChunkRows)
    }

    /// The seeded split of a training file's `rows` (no test rows when a test file is given),
    /// refused when it leaves no training rows.
    static func fileSplit(_ source: DataSource, rows: Int, path: String, testFile: Bool) throws -> DataSplit {
        let split = DataSplit(
            count: rows, testFraction: testFile ? 0 : source.testFraction,
            validationFraction: source.validationFraction, seed: source.seed)
        guard split.count - split.testCount >= 1 else {
            throw DescentError.input("\(path): too few rows (\(rows)) to leave any for training")
        }
        try checkValidationLeavesTraining(split, validationFraction: source.validationFraction)
        return split
    }

    /// A validation set that leaves no training rows is --validation-fraction's doing.
    static func checkValidationLeavesTraining(_ split: DataSplit, validationFraction: Double) throws {
        guard split.trainCount < 1 else { return }
        let remaining = split.count - split.testCount
        throw DescentError.configuration(
            "--validation-fraction \(validationFraction) takes all \(remaining) rows left after the test set for validation,"
                + " leaving none for training; use a smaller --validation-fraction (at most \(Double(remaining - 1) / Double(remaining)))"
        )
    }

    /// Replaces the label token a reader left in each row (``RowSink/labelToken(part:id:)``)
    /// by its class, from `parts[part][id]`, and packs the labels (``Dataset/labelBytes``),
    /// shard by shard.
    static func setLabels<T: KernelScalar>(
        _ dataset: Dataset<T>, parts maps: [[UInt32]], classCount: Int,
        executor: ShardedExecutor
    ) {
        dataset.classCount = classCount
        dataset.packLabels(executor: executor) { token in
            let (part, id) = RowSink<T>.decodeLabelToken(token)
            return Int(maps[part][id])
        }
    }
}

extension Standardization {
    /// The mean and population standard deviation (divided by n) of each feature of
    /// `dataset`, in float64: per-chunk sums in row order, combined by the fixed pairwise
    /// tree over chunks, so the result is the same for every thread count. A feature with
    /// no spread gets a standard deviation of 1.
    public static func of<T: KernelScalar>(_ dataset: Dataset<T>, executor: ShardedExecutor) -> Standardization {
        if let sparse = dataset.sparse { return scales(dataset, sparse) }
        let d = dataset.featureCount
        let n = dataset.rowCount
        let mean = columnSums(dataset, executor: executor) { v, _ in v }.map { $0 / Double(max(n, 1)) }
        let squares = columnSums(dataset, executor: executor) { v, j in
            let c = v - mean[j]
            return c * c
        }
        let std = (0..<d).map { j -> Double in
            let s = (squares[j] / Double(max(n, 1))).squareRoot()
            return s == 0 ? 1 : s  // an overflowed one stays non-finite, and the caller reports it
        }
        return Standardization(mean: mean, std: std)
    }

    static func columnSums<T: KernelScalar>(
        _ dataset: Dataset<T>, executor: ShardedExecutor,
        _ term: (Double, Int) -> Double
    ) -> [Double] {
        let d = dataset.featureCount
        let chunks = dataset.chunks
        let plan = dataset.placement
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: max(1, chunks.chunkCount) * d)
        partials.initialize(repeating: 0, count: max(1, chunks.chunkCount) * d)
        defer { partials.deallocate() }
        let box = UncheckedBox(partials)
        executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
            for chunk in plan.shards[s].chunks {
                let block = dataset.block(chunk)
                let rows = chunks.rows(ofChunk: chunk).count
                for j in 0..<d {
                    var sum = 0.0
                    for i in 0..<rows { sum += term(Double(block[j * chunks.chunkRows + i]), j) }
                    box.value[chunk * d + j] = sum
                }
            }
        }
        if let share = dataset.share {
            share.reduce(partials, stride: d)
        } else {
            FixedOrderReduction.reduce(partials, count: max(1, chunks.chunkCount), stride: d)
        }
        return (0..<d).map { partials[$0] }
    }

    /// Sparse rows are scaled, not centred (centring would fill them in), as scikit-learn's
    /// `StandardScaler(with_mean=False)`: each feature's population standard deviation over
    /// every row, its zeros included, and a mean of 0 in the result, so that (v - 0) / std
    /// applies it. The sums go chunk by chunk and row by row in order, on one thread: the
    /// same bits for every thread count.
    static func scales<T: KernelScalar>(_ dataset: Dataset<T>, _ sparse: SparseRows<T>) -> Standardization {
        let d = dataset.featureCount
        let n = Double(max(dataset.rowCount, 1))
        var sums = [Double](repeating: 0, count: d)
        var stored = [Int](repeating: 0, count: d)
        let chunks = dataset.chunks
        for chunk in 0..<chunks.chunkCount {
            let entries = sparse.offsets(chunk)[chunks.chunkRows]
            let indices = sparse.indices(chunk)
            let values = sparse.values(chunk)
            for e in 0..<entries {
                sums[Int(indices[e])] += Double(values[e])
                stored[Int(indices[e])] += 1
            }
        }
        let mean = sums.map { $0 / n }
        var squares = [Double](repeating: 0, count: d)
        for chunk in 0..<chunks.chunkCount {
            let entries = sparse.offsets(chunk)[chunks.chunkRows]
            let indices = sparse.indices(chunk)
            let values = sparse.values(chunk)
            for e in 0..<entries {
                let j = Int(indices[e])
                let c = Double(values[e]) - mean[j]
                squares[j] += c * c
            }
        }
        let std = (0..<d).map { j -> Double in
            // The rows that hold no entry for j are zeros, each (0 - mean)^2 from the mean.
            let total = squares[j] + Double(dataset.rowCount - stored[j]) * mean[j] * mean[j]
            let s = (total / n).squareRoot()
            return s == 0 ? 1 : s
        }
        return Standardization(mean: [Double](repeating: 0, count: d), std: std)
    }

    /// Replaces every feature value v of `dataset` by (v - mean) / std, computed in float64
    /// (sparse rows: their stored values, with the mean of 0 that sparse data are given).
    public func apply<T: KernelScalar>(to dataset: Dataset<T>, executor: ShardedExecutor) {
        if let sparse = dataset.sparse {
            let plan = dataset.placement
            let chunkRows = dataset.chunks.chunkRows
            let mean = self.mean
            let std = self.std
            executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
                for chunk in plan.shards[s].chunks {
                    let indices = sparse.indices(chunk)
                    let values = sparse.values(chunk)
                    for e in 0..<sparse.offsets(chunk)[chunkRows] {
                        let j = Int(indices[e])
                        values[e] = T((Double(values[e]) - mean[j]) / std[j])
                    }
                }
            }
            return
        }
        let d = dataset.featureCount
        let chunks = dataset.chunks
        let plan = dataset.placement
        let mean = self.mean
        let std = self.std
        executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
            for chunk in plan.shards[s].chunks {
                let block = dataset.block(chunk)
                let rows = chunks.rows(ofChunk: chunk).count
                for j in 0..<d {
                    let column = block + j * chunks.chunkRows
                    for i in 0..<rows { column[i] = T((Double(column[i]) - mean[j]) / std[j]) }
                }
            }
        }
    }
}
