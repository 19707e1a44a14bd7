/// Mean and standard deviation of each training feature, applied to every set (`--standardize`).
public struct Standardization: Sendable, Codable, Equatable {
    public var mean: [Double]
    public var std: [Double]
}

/// The datasets of a run, placed in shards and ready to train on.
public struct PreparedData<T: KernelScalar>: Sendable {
    public var train: Dataset<T>
    public var test: Dataset<T>
    public var validation: Dataset<T>?
    public var featureNames: [String]
    public var classCount: Int
    public var standardization: Standardization?
}

/// Builds the train, validation and test datasets from blobs or CSV files.
public enum DataPreparation {
    /// Generates or reads the data that `configuration` describes.
    ///
    /// Blobs are generated straight into their shards, row by row from the counter-based
    /// generator, on the threads that will train on them; no intermediate copy is made.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func prepare<T: KernelScalar>(_ configuration: RunConfiguration, as _: T.Type = T.self,
                                                executor: ShardedExecutor, topology: Topology = .current) throws -> PreparedData<T> {
        let seed = configuration.training.seed
        let policy = configuration.numa
        if let trainPath = configuration.trainFile {
            let trainTable = try CSVTable.read(path: trainPath, labelColumn: configuration.labelColumn)
            var testTable: CSVTable?
            if let testPath = configuration.testFile {
                let table = try CSVTable.read(path: testPath, labelColumn: configuration.labelColumn ?? trainTable.labelName)
                guard table.featureNames == trainTable.featureNames else {
                    throw DescentError.input("\(testPath): columns \(table.featureNames) differ from the training file's \(trainTable.featureNames); both files need the same header")
                }
                testTable = table
            }
            let classCount = max(2, (trainTable.labels + (testTable?.labels ?? [])).max()! + 1)
            let d = trainTable.featureCount
            // Split: an explicit test file, else a seeded split of the training file.
            let split = DataSplit(count: trainTable.rowCount, testFraction: testTable == nil ? configuration.testFraction : 0,
                                  validationFraction: configuration.validationFraction, seed: seed)
            guard split.trainCount >= 1 else { throw DescentError.input("\(trainPath): too few rows (\(trainTable.rowCount)) to leave any for training") }
            var standardization: Standardization?
            if configuration.standardize {
                var mean = [Double](repeating: 0, count: d), std = [Double](repeating: 0, count: d)
                for i in 0..<split.trainCount { let r = split.trainRow(i); for j in 0..<d { mean[j] += trainTable.features[r * d + j] } }
                for j in 0..<d { mean[j] /= Double(split.trainCount) }
                for i in 0..<split.trainCount {
                    let r = split.trainRow(i)
                    for j in 0..<d { let c = trainTable.features[r * d + j] - mean[j]; std[j] += c * c }
                }
                for j in 0..<d { std[j] = (std[j] / Double(split.trainCount)).squareRoot(); if std[j] == 0 { std[j] = 1 } }
                standardization = Standardization(mean: mean, std: std)
            }
            let scale = standardization
            func dataset(_ table: CSVTable, rows: Int, source: @escaping @Sendable (Int) -> Int) -> Dataset<T> {
                let t = UncheckedBox(table)
                return Dataset<T>(rowCount: rows, featureCount: d, classCount: classCount, placement: policy,
                                  topology: topology, executor: executor) { range, block, stride in
                    for (local, row) in range.enumerated() {
                        let r = source(row)
                        for j in 0..<d {
                            var v = t.value.features[r * d + j]
                            if let s = scale { v = (v - s.mean[j]) / s.std[j] }
                            block[j * stride + local] = T(v)
                        }
                        block[d * stride + local] = T(t.value.labels[r])
                    }
                }
            }
            let train = dataset(trainTable, rows: split.trainCount) { split.trainRow($0) }
            let validation = split.validationCount > 0 ? dataset(trainTable, rows: split.validationCount) { split.validationRow($0) } : nil
            let test = testTable.map { table in dataset(table, rows: table.rowCount) { $0 } }
                ?? dataset(trainTable, rows: split.testCount) { split.testRow($0) }
            return PreparedData(train: train, test: test, validation: validation, featureNames: trainTable.featureNames,
                                classCount: classCount, standardization: standardization)
        }

        let generator = BlobGenerator(samples: configuration.samples, features: configuration.features,
                                      centers: configuration.centers, clusterStd: configuration.clusterStd,
                                      centerBox: configuration.centerBox, seed: seed)
        let split = DataSplit(count: configuration.samples, testFraction: configuration.testFraction,
                              validationFraction: configuration.validationFraction, seed: seed)
        guard split.trainCount >= 1, split.testCount >= 1 else {
            throw DescentError.configuration("--samples \(configuration.samples) with --test-fraction \(configuration.testFraction) leaves an empty training or test set; use more samples")
        }
        func blobs(rows: Int, source: @escaping @Sendable (Int) -> Int) -> Dataset<T> {
            let d = generator.features
            return Dataset<T>(rowCount: rows, featureCount: d, classCount: generator.centerCount, placement: policy,
                              topology: topology, executor: executor) { range, block, stride in
                for (local, row) in range.enumerated() {
                    let r = source(row)
                    for j in 0..<d { block[j * stride + local] = T(generator.value(r, j)) }
                    block[d * stride + local] = T(generator.label(r))
                }
            }
        }
        let train = blobs(rows: split.trainCount) { split.trainRow($0) }
        let validation = split.validationCount > 0 ? blobs(rows: split.validationCount) { split.validationRow($0) } : nil
        let test = blobs(rows: split.testCount) { split.testRow($0) }
        return PreparedData(train: train, test: test, validation: validation,
                            featureNames: (0..<generator.features).map { "x\($0)" }, classCount: generator.centerCount,
                            standardization: nil)
    }
}
