extension RunConfiguration {
    /// The data this configuration asks for, as the data layer describes it.
    public var dataSource: DataSource {
        let origin: DataSource.Origin =
            trainFile.map { .files(train: $0, test: testFile, labelColumn: labelColumn) }
            ?? .blobs(
                samples: samples, features: features, centers: centers, clusterStd: clusterStd, centerBox: centerBox)
        var source = DataSource(
            origin: origin, testFraction: testFraction, validationFraction: validationFraction,
            standardize: standardize, seed: training.seed, placement: numa)
        source.classWeight = classWeight
        source.weightColumn = weightColumn
        source.regression = isRegression
        source.noise = noise
        return source
    }
}
