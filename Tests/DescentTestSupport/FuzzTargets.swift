import Foundation

// scripts/fuzz compiles this file with the library's sources into one module.
#if !DESCENT_FUZZ_BUILD
import Descent
#endif

/// The readers of untrusted input, each as one function of the input's bytes, for fuzzing
/// (`scripts/fuzz` runs them under libFuzzer) and for replaying the fuzz corpus in the
/// tests. Each must return normally for every input: a bad file is a ``DescentError``,
/// never a trap, a hang or an allocation that grows without bound.
package enum FuzzTargets {
    /// The targets by name, as `scripts/fuzz` and the corpus folders name them.
    package static let all: [String: @Sendable (UnsafeRawBufferPointer) -> Void] = [
        "csv": { csv($0) }, "json": { configuration($0) }, "model": { model($0) }, "svmlight": { svmlight($0) },
    ]

    /// A scratch file that holds one input at a time (readers take paths).
    static let scratch: String = {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(folder)/descent-fuzz-\(getpid())"
    }()

    static func withScratchFile(_ bytes: UnsafeRawBufferPointer, suffix: String, _ body: (String) throws -> Void) {
        let path = scratch + suffix
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("fuzz: cannot create \(path)") }
        var written = 0
        while written < bytes.count {
            let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
            guard n > 0 else { fatalError("fuzz: cannot write \(path)") }
            written += n
        }
        close(fd)
        defer { unlink(path) }
        do { try body(path) } catch is DescentError {} catch {
            fatalError("fuzz: an error that is not a DescentError: \(error)")
        }
    }

    /// The data path of `--train` (CSV, `.npy` or `.npz`, chosen by the first bytes): open,
    /// count, parse into the split, labels, finiteness, standardization. The input's length
    /// picks float32 or float64 and whether to standardize; its last byte the label column.
    /// With `differential`, the file is read on 1 and on 3 threads (3 parts when the file is
    /// split at all), and the two must agree: both fail, or both give the same datasets.
    package static func csv(_ bytes: UnsafeRawBufferPointer, differential: Bool) {
        let last = bytes.last ?? 0
        let labelColumn: String? = last % 4 == 0 ? nil : (last % 4 == 1 ? "label" : String(Int(last % 7) - 3))
        trainingFile(bytes, suffix: ".data", labelColumn: labelColumn, differential: differential)
    }

    package static func csv(_ bytes: UnsafeRawBufferPointer) { csv(bytes, differential: false) }

    /// The data path of an svmlight `--train` file (sparse rows), as ``csv(_:differential:)``
    /// reads the others (an svmlight file has no label column to choose).
    package static func svmlight(_ bytes: UnsafeRawBufferPointer, differential: Bool) {
        trainingFile(bytes, suffix: ".svm", labelColumn: nil, differential: differential)
    }

    package static func svmlight(_ bytes: UnsafeRawBufferPointer) { svmlight(bytes, differential: false) }

    /// `bytes` as a `--train` file named `*suffix`, prepared in the precision and with the
    /// standardization and validation split the input's length picks.
    static func trainingFile(_ bytes: UnsafeRawBufferPointer, suffix: String, labelColumn: String?, differential: Bool)
    {
        withScratchFile(bytes, suffix: suffix) { path in
            let source = DataSource(
                origin: .files(train: path, test: nil, labelColumn: labelColumn), testFraction: 0.25,
                validationFraction: bytes.count % 3 == 0 ? 0.2 : 0, standardize: bytes.count % 5 < 2, seed: 1,
                placement: .off)
            if bytes.count % 2 == 0 {
                try prepare(source, as: Double.self, differential: differential)
            } else {
                try prepare(source, as: Float.self, differential: differential)
            }
        }
    }

    static func prepare<T: KernelScalar>(_ source: DataSource, as _: T.Type, differential: Bool) throws {
        guard differential else {
            _ = try DataPreparation.prepare(source, as: T.self, executor: ShardedExecutor(threads: 2))
            return
        }
        let one = Result { try DataPreparation.prepare(source, as: T.self, executor: ShardedExecutor(threads: 1)) }
        let three = Result { try DataPreparation.prepare(source, as: T.self, executor: ShardedExecutor(threads: 3)) }
        switch (one, three) {
        case (.failure, .failure):
            return
        case (.success(let a), .success(let b)):
            guard a.featureNames == b.featureNames, a.classes == b.classes, a.standardization == b.standardization,
                same(a.train, b.train), same(a.test, b.test),
                a.validation == nil && b.validation == nil
                    || (a.validation != nil && b.validation != nil && same(a.validation!, b.validation!))
            else {
                fatalError("fuzz: the data read on 1 and on 3 threads differ")
            }
        case (.success, .failure(let error)), (.failure(let error), .success):
            fatalError("fuzz: the data read on one thread count but not the other: \(error)")
        }
    }

    static func same<T: KernelScalar>(_ a: Dataset<T>, _ b: Dataset<T>) -> Bool {
        guard a.rowCount == b.rowCount, a.featureCount == b.featureCount, a.classCount == b.classCount else {
            return false
        }
        for row in 0..<a.rowCount {
            if a.label(row) != b.label(row) { return false }
            for j in 0..<a.featureCount
            where a.feature(row, j) != b.feature(row, j) && !(a.feature(row, j).isNaN && b.feature(row, j).isNaN) {
                return false
            }
        }
        return true
    }

    /// A `--config` file: the strict JSON reader, the keys, and the checks of every value.
    package static func configuration(_ bytes: UnsafeRawBufferPointer) {
        var configuration = RunConfiguration()
        do {
            try configuration.apply(json: Data(bytes), source: "fuzz.json")
            try configuration.validate()
            // What a checkpoint records must read back to the same configuration.
            var back = RunConfiguration()
            try back.apply(
                json: Data(JSONValue.object(configuration.settingsObject()).text().utf8), source: "round trip")
            if back != configuration {
                fatalError("fuzz: the configuration does not survive its JSON form: \(configuration) -> \(back)")
            }
        } catch is DescentError {} catch { fatalError("fuzz: an error that is not a DescentError: \(error)") }
    }

    /// A `model.json` for `predict`, and the same bytes as an `--init-weights` file (a model,
    /// a bare weights object, or CSV lines of numbers).
    package static func model(_ bytes: UnsafeRawBufferPointer) {
        do {
            let model = try ModelFile.read(data: Data(bytes), path: "fuzz-model.json")
            try model.checkFits(
                featureNames: ["a", "b"], classes: LabelEncoding(indices: 2), path: "fuzz-model.json", data: "data")
        } catch is DescentError {} catch { fatalError("fuzz: an error that is not a DescentError: \(error)") }
        withScratchFile(bytes, suffix: ".weights") { path in
            _ = try ModelFile.readWeights(
                path: path, outputs: 1 + bytes.count % 3, features: 2, expectedFeatureNames: ["x0", "x1"],
                expectedClasses: LabelEncoding(indices: 2))
        }
    }
}
