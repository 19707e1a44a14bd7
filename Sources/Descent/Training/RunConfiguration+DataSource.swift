extension RunConfiguration {
    /// The data this configuration asks for, as the data layer describes it.
    public var dataSource: DataSource {
        let origin: DataSource.Origin = trainFile.map { .files(train: $0, test: testFile, labelColumn: labelColumn) }
            ?? .blobs(samples: samples, features: features, centers: centers, clusterStd: clusterStd, centerBox: centerBox)
        return DataSource(origin: origin, testFraction: testFraction, validationFraction: validationFraction,
                          standardize: standardize, seed: training.seed, placement: numa)
    }
}

extension DataPreparation {
    /// Generates or reads the data that `configuration` describes (see ``prepare(_:as:executor:topology:)``).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func prepare<T: KernelScalar>(_ configuration: RunConfiguration, as type: T.Type = T.self,
                                                executor: ShardedExecutor, topology: Topology = .current) throws -> PreparedData<T> {
        try prepare(configuration.dataSource, as: type, executor: executor, topology: topology)
    }
}
