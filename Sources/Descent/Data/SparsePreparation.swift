extension DataPreparation {
    /// The datasets of svmlight files: compressed rows (``SparseRows``) in the seeded split,
    /// each row parsed straight into its chunk on its shard's node.
    ///
    /// Indices are numbered as the training file says (`base`; `.auto` is scikit-learn's
    /// `zero_based="auto"`: one-based unless some index is 0), and a test file is read the
    /// same way. The features run to the largest index of the two files (named `x0`, `x1`, ...
    /// from zero whatever the base), as scikit-learn's `load_svmlight_files` reads a pair.
    /// Standardizing scales each feature by its standard deviation without centring
    /// (``Standardization/scales(_:_:)``).
    static func prepareSVMLight<T: KernelScalar>(
        _ source: DataSource, train trainPath: String, test testPath: String?, base: IndexBase = .auto,
        executor: ShardedExecutor, topology: Topology, ranks: RankGroup?
    ) throws -> PreparedData<T> {
        if ranks != nil {
            throw DescentError.configuration(
                "\(trainPath): svmlight files train in one process in this version; run without mpirun (all of a machine's cores still train)"
            )
        }
        if let column = source.weightColumn {
            throw DescentError.configuration(
                "--weight-column '\(column)': an svmlight file has no named columns; write the data as CSV or .npy to weight its rows, or use --class-weight balanced"
            )
        }
        let trainFile = try SVMLightFile(path: trainPath, role: "--train", executor: executor)
        let testFile = try testPath.map { try SVMLightFile(path: $0, role: "--test", executor: executor) }
        let split = try fileSplit(source, rows: trainFile.rowCount, path: trainPath, testFile: testFile != nil)
        let allEntries = (trainFile.entries + (testFile?.entries ?? [])).reduce(0) { $0 + Int($1) }
        let allRows = trainFile.rowCount + (testFile?.rowCount ?? 0)
        try MemoryBudget.check(
            [
                .init(
                    "sparse data",
                    MemoryBudget.sum(
                        MemoryBudget.product(allEntries, 4 + MemoryLayout<T>.stride),
                        MemoryBudget.product(allRows + 6 * ChunkPlan.defaultChunkRows, 16 + MemoryLayout<T>.stride)))
            ], hint: "train on fewer rows, or use --precision float32 (fewer bytes a value)")

        // Each set's rows and their entries, in the set's order.
        let sizes = [testFile?.rowCount ?? split.testCount, split.validationCount, split.trainCount]
        var counts = sizes.map { [Int32](repeating: 0, count: $0) }
        // (With a test file the split has no test part: `fileSplit`.)
        for r in 0..<trainFile.rowCount {
            let (part, index) = split.destination(ofRow: r)
            counts[part.rawValue][index] = trainFile.entries[r]
        }
        if let testFile { counts[0] = testFile.entries }
        let policy = source.placement
        let chunkRows = ChunkPlan.defaultChunkRows
        let sparseRows = counts.map { c in
            let chunks = ChunkPlan(rowCount: c.count, chunkRows: chunkRows)
            let plan = PlacementPlan(
                chunkCount: chunks.chunkCount, shardCount: executor.threads, topology: topology, policy: policy)
            return c.withUnsafeBufferPointer {
                SparseRows<T>(chunks: chunks, placement: plan, entriesOfRow: $0, executor: executor)
            }
        }
        // Each row's label token (or target), one T a row, until the datasets take them.
        let pointers = sizes.map { size -> UnsafeMutablePointer<T> in
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, size))
            p.initialize(repeating: 0, count: max(1, size))
            return p
        }
        defer { for p in pointers { p.deallocate() } }
        let regression = source.regression
        let shift = chunkRows.trailingZeroBitCount
        let results = try trainFile.parse(
            into: SVMLightFile.Destination(
                rows: sparseRows, labels: pointers, chunkShift: shift,
                place: { r in
                    let (part, index) = split.destination(ofRow: r)
                    return (part.rawValue, index)
                }), targets: regression, executor: executor)
        let testResults = try testFile?.parse(
            into: SVMLightFile.Destination(
                rows: sparseRows, labels: pointers, chunkShift: shift, place: { r in (0, r) }), targets: regression,
            executor: executor)
        // The base: one-based files are shifted down by one.
        let smallest = results.map(\.minimumIndex).min() ?? .max
        let oneBased: Bool
        switch base {
        case .auto: oneBased = smallest != .max && smallest > 0
        case .zero: oneBased = false
        case .one:
            oneBased = true
            // (A test file's index 0 is refused below, for every base.)
            if results.contains(where: { $0.minimumIndex == 0 }) {
                throw DescentError.input(
                    "\(trainPath): an index of 0 in a one-based file; index 0 means the file is zero-based: read it as zero-based or automatic"
                )
            }
        }
        if let testResults, oneBased, testResults.contains(where: { $0.minimumIndex == 0 }), let testFile {
            throw DescentError.input(
                "\(testFile.path): an index of 0, but the training file is one-based (its smallest index is \(smallest)); number both files the same way"
            )
        }
        // The features: up to the largest index of either file, as scikit-learn's
        // load_svmlight_files gives both files one width (a feature only the test file holds
        // gets a weight of 0 from training, or from the penalty).
        let largest = (results + (testResults ?? [])).filter { $0.minimumIndex != .max }.map(\.maximumIndex).max() ?? 0
        let features = max(1, Int(largest) + (oneBased ? 0 : 1))
        if oneBased { for rows in sparseRows { rows.shiftIndicesDown(executor: executor) } }
        func dataset(_ k: Int) -> Dataset<T> {
            let slots = UncheckedBox(pointers[k])
            return Dataset<T>(
                rowCount: sizes[k], featureCount: features, classCount: 2, chunkRows: chunkRows, placement: policy,
                topology: topology, executor: executor, packingLabels: false, weighted: source.classWeight != nil,
                sparse: sparseRows[k]
            ) { rows, block, _ in
                for i in rows { block[i - rows.lowerBound] = slots.value[i] }
            }
        }
        let train = dataset(2)
        let validation = sizes[1] > 0 ? dataset(1) : nil
        let test = dataset(0)
        let classes: LabelEncoding
        if regression {
            for set in [train, validation, test] { set?.holdTargets() }
            classes = LabelEncoding(indices: 1)
        } else {
            let parts = results.map(\.labels)
            classes = try LabelEncoding.merging(parts, column: "label", describe: trainFile.describe(position:))
            try requireTrainableClassCount(classes, path: trainPath, column: "label")
            let maps = try classes.classMaps(parts, path: trainPath, describe: trainFile.describe(position:))
            for set in [train, validation] + (testFile == nil ? [test] : []) {
                if let set { setLabels(set, parts: maps, classCount: classes.count, executor: executor) }
            }
            if let testFile, let testResults {
                let testMaps = try classes.classMaps(
                    testResults.map(\.labels), path: testFile.path, describe: testFile.describe(position:))
                setLabels(test, parts: testMaps, classCount: classes.count, executor: executor)
            }
        }
        let featureNames = (0..<features).map { "x\($0)" }
        let sets: [(name: String, dataset: Dataset<T>?)] = [
            ("training", train), ("validation", validation), ("test", test),
        ]
        let fileOf = { (set: String) in set == "test" ? testFile?.path ?? trainPath : trainPath }
        try FiniteCheck.require(sets, featureNames: featureNames, executor: executor) { set, column, value in
            "\(fileOf(set)): feature '\(column)' holds a value too large for \(T.precisionName) (read as \(value); \(FiniteCheck.rangeNote(T.self)))"
                + (MemoryLayout<T>.size == 4
                    ? "; use --precision float64, or rescale the feature" : "; rescale the feature")
        }
        var standardization: Standardization?
        if source.standardize {
            let s = Standardization.of(train, executor: executor)
            if let j = (0..<features).first(where: { !s.std[$0].isFinite }) {
                throw DescentError.input(
                    "\(trainPath): feature '\(featureNames[j])' is too large to standardize: its variance overflows float64; rescale it, or train without --standardize"
                )
            }
            for set in [train, test] + (validation.map { [$0] } ?? []) { s.apply(to: set, executor: executor) }
            standardization = s
        }
        var data = PreparedData(
            train: train, test: test, validation: validation, featureNames: featureNames, classes: classes,
            labelName: "label", standardization: standardization)
        data.indexBase = oneBased ? .one : .zero
        return data
    }

    /// The rows of an svmlight file as one dataset of `featureCount` features, for
    /// prediction: indices numbered from `base` (`.zero` or `.one`, what the model's training
    /// file used), labels mapped to `classes` (or read as targets).
    package static func readSVMLight<T: KernelScalar>(
        path: String, role: String, featureCount: Int, base: IndexBase, classes: LabelEncoding, regression: Bool,
        executor: ShardedExecutor, topology: Topology = .current
    ) throws -> Dataset<T> {
        let file = try SVMLightFile(path: path, role: role, executor: executor)
        let chunkRows = ChunkPlan.defaultChunkRows
        let chunks = ChunkPlan(rowCount: file.rowCount, chunkRows: chunkRows)
        let plan = PlacementPlan(
            chunkCount: chunks.chunkCount, shardCount: executor.threads, topology: topology, policy: .auto)
        let rows = file.entries.withUnsafeBufferPointer {
            SparseRows<T>(chunks: chunks, placement: plan, entriesOfRow: $0, executor: executor)
        }
        let slots = UnsafeMutablePointer<T>.allocate(capacity: max(1, file.rowCount))
        slots.initialize(repeating: 0, count: max(1, file.rowCount))
        defer { slots.deallocate() }
        let results = try file.parse(
            into: SVMLightFile.Destination(
                rows: [rows], labels: [slots], chunkShift: chunkRows.trailingZeroBitCount, place: { r in (0, r) }),
            targets: regression, executor: executor)
        let oneBased = base == .one
        if oneBased && results.contains(where: { $0.minimumIndex == 0 }) {
            throw DescentError.input(
                "\(path): an index of 0, but the model was trained on a one-based file; number the features as its training file did"
            )
        }
        if let largest = results.map(\.maximumIndex).max(), results.contains(where: { $0.minimumIndex != .max }),
            Int(largest) + (oneBased ? 0 : 1) > featureCount
        {
            throw DescentError.input(
                "\(path): index \(largest) is beyond the model's \(featureCount) features (\(oneBased ? "one" : "zero")-based); the model has no weight for it"
            )
        }
        if oneBased { rows.shiftIndicesDown(executor: executor) }
        let box = UncheckedBox(slots)
        let dataset = Dataset<T>(
            rowCount: file.rowCount, featureCount: featureCount, classCount: max(1, classes.count),
            chunkRows: chunkRows, topology: topology, executor: executor, packingLabels: false, sparse: rows
        ) { rows, block, _ in
            for i in rows { block[i - rows.lowerBound] = box.value[i] }
        }
        if regression {
            dataset.holdTargets()
        } else {
            let parts = results.map(\.labels)
            let maps = try classes.classMaps(parts, path: path, describe: file.describe(position:))
            setLabels(dataset, parts: maps, classCount: classes.count, executor: executor)
        }
        return dataset
    }
}
