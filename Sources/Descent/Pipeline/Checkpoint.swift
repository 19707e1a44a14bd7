import Foundation

/// A run's state after an epoch, written atomically as `checkpoint.json` into the run's
/// staging folder by `--checkpoint-every N` and read by `descent train --resume DIR`.
///
/// Numbers that must come back bit for bit (weights, momentum, the best loss) are stored as
/// their IEEE bit patterns: arrays as base64 of the little-endian bytes, scalars as 16 hex
/// digits. The configuration is stored with the run identity, a fingerprint of the data,
/// and the length of `loss.csv` at the checkpoint (the lines after it were written by epochs
/// the resumed run does again).
package struct Checkpoint: Sendable {
    package static let fileName = "checkpoint.json"
    package static let formatVersion = 1

    /// Epochs done.
    package var epoch: Int
    package var precision: Precision
    /// The configuration's settings by key (``RunConfiguration/settingsObject(role:)``).
    package var configuration: [String: JSONValue]
    package var configurationHash: String
    package var dataFingerprint: String
    package var run: RunIdentity
    /// Bytes of `loss.csv` that belong to epochs 1...epoch.
    package var lossLogBytes: Int
    /// The run's `--checkpoint-every`.
    package var checkpointEvery: Int?
    var weights: String
    var velocity: String
    var bestWeights: String
    var optimizerSteps: [Int]
    var best: String
    var bestEpoch: Int
    var sinceImprovement: Int
    /// L-BFGS's point and history as base64 of float64 bits (empty for the other solvers).
    var solverState: String

    package init<T: KernelScalar>(
        state: TrainingState<T>, configuration: RunConfiguration, dataFingerprint: String,
        run: RunIdentity, lossLogBytes: Int
    ) throws {
        epoch = state.epoch
        precision = configuration.precision
        self.configuration = configuration.settingsObject()
        configurationHash = configuration.identityHash
        self.dataFingerprint = dataFingerprint
        self.run = run
        self.lossLogBytes = lossLogBytes
        checkpointEvery = configuration.checkpointEvery
        weights = Checkpoint.encode(state.weights)
        velocity = Checkpoint.encode(state.velocity)
        bestWeights = Checkpoint.encode(state.bestWeights)
        optimizerSteps = state.optimizerSteps
        best = FNV1a.hex(state.best.bitPattern)
        bestEpoch = state.bestEpoch
        sinceImprovement = state.sinceImprovement
        solverState = Checkpoint.encode(state.solverState)
    }

    /// Checks what can be checked before the data are prepared: the epoch, the workers' step
    /// counts and the length of `loss.csv` against the configuration the run continues with.
    ///
    /// - Throws: ``DescentError/input(_:)`` naming what is damaged.
    package func validate(for configuration: RunConfiguration, lossLog path: String) throws {
        let t = configuration.training
        guard epoch >= 1 && epoch < t.epochs else {
            throw Checkpoint.damaged("epoch \(epoch) is outside 1..<\(t.epochs)")
        }
        let workers = t.optimizer == .sgd ? t.workers : 1
        guard optimizerSteps.count == workers, optimizerSteps.allSatisfy({ $0 >= 0 }) else {
            throw Checkpoint.damaged(
                "it holds \(optimizerSteps.count) step counts for \(workers) worker\(workers == 1 ? "" : "s")")
        }
        guard bestEpoch >= 0 && bestEpoch <= epoch, sinceImprovement >= 0 && sinceImprovement <= epoch else {
            throw Checkpoint.damaged("its early-stopping counters are out of range")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard lossLogBytes >= LossLog.header.utf8.count, let size, size >= lossLogBytes else {
            throw Checkpoint.damaged(
                "\(path) is missing or shorter than the \(lossLogBytes) bytes the checkpoint names")
        }
    }

    /// The training state, in the precision the run uses, for a run configured by `training`.
    package func state<T: KernelScalar>(as type: T.Type, parameterCount: Int, training t: TrainingConfiguration)
        throws -> TrainingState<T>
    {
        guard precision.rawValue == T.precisionName else {
            throw Checkpoint.damaged("it holds \(precision.rawValue) weights")
        }
        let w: [T] = try Checkpoint.decode(weights)
        let v: [T] = try Checkpoint.decode(velocity)
        let b: [T] = try Checkpoint.decode(bestWeights)
        guard w.count == parameterCount, v.count == parameterCount, b.isEmpty || b.count == parameterCount else {
            throw Checkpoint.damaged("it holds \(w.count) weights, the model has \(parameterCount)")
        }
        guard let bits = UInt64(best, radix: 16) else { throw Checkpoint.damaged("'best' is not 16 hex digits") }
        let solver: [Double] = try Checkpoint.decode(solverState)
        if t.resolvedSolver == .lbfgs {
            guard
                LBFGS.restore(
                    solver, parameterCount: parameterCount, memory: t.memory ?? TrainingConfiguration.defaultMemory)
                    != nil
            else { throw Checkpoint.damaged("its L-BFGS history does not fit a model of \(parameterCount) weights") }
        } else if t.autoAlpha && t.optimizer == .gd {
            guard solver.count == 1, solver[0] >= 0, solver[0].isFinite else {
                throw Checkpoint.damaged("its --alpha auto rate is missing or not a finite number >= 0")
            }
        } else if !solver.isEmpty {
            throw Checkpoint.damaged("it holds an L-BFGS history, but the run uses \(t.resolvedSolver.rawValue)")
        }
        return TrainingState(
            epoch: epoch, weights: w, velocity: v, optimizerSteps: optimizerSteps, best: Double(bitPattern: bits),
            bestWeights: b, bestEpoch: bestEpoch, sinceImprovement: sinceImprovement, solverState: solver)
    }

    /// The checkpoint as JSON text.
    package func jsonData() -> Data {
        let object: JSONValue = [
            "format": "descent-checkpoint", "format-version": .init(Checkpoint.formatVersion),
            "epoch": .init(epoch), "precision": .init(precision.rawValue), "configuration": .object(configuration),
            "configuration-hash": .init(configurationHash), "data-fingerprint": .init(dataFingerprint),
            "run": run.json, "loss-csv-bytes": .init(lossLogBytes), "checkpoint-every": .init(checkpointEvery ?? 0),
            "weights": .init(weights), "velocity": .init(velocity), "best-weights": .init(bestWeights),
            "optimizer-steps": .array(optimizerSteps.map { JSONValue($0) }),
            "best": .init(best), "best-epoch": .init(bestEpoch), "since-improvement": .init(sinceImprovement),
            "solver-state": .init(solverState),
        ]
        return Data(object.text().utf8)
    }

    /// Reads `checkpoint.json` from `folder` (strictly: a field of the wrong kind is damage).
    ///
    /// - Throws: ``DescentError/input(_:)`` naming what is missing or damaged.
    package init(folder: String) throws {
        let path = folder + "/" + Checkpoint.fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DescentError.input(
                "\(path): cannot be read; resume needs the checkpoint a run with --checkpoint-every wrote")
        }
        let notACheckpoint = Checkpoint.damaged(
            "it is not a descent checkpoint (JSON with \"format\": \"descent-checkpoint\")", path: path)
        guard let value = try? JSONParser.parse(data),
            let fields = try? JSONFields(value, fail: { Checkpoint.damaged($0, path: path) }),
            fields.object["format"] == "descent-checkpoint"
        else { throw notACheckpoint }
        guard fields.object["format-version"] == JSONValue(Checkpoint.formatVersion) else {
            throw Checkpoint.damaged(
                "it has format version \(fields.object["format-version"]?.description ?? "none"); this descent reads version \(Checkpoint.formatVersion)",
                path: path)
        }
        epoch = try fields.int("epoch")
        guard let p = Precision(rawValue: try fields.string("precision")) else {
            throw Checkpoint.damaged("unknown precision", path: path)
        }
        precision = p
        configuration = try fields.object("configuration")
        configurationHash = try fields.string("configuration-hash")
        dataFingerprint = try fields.string("data-fingerprint")
        run = try RunIdentity(try fields.fields("run"))
        lossLogBytes = try fields.int("loss-csv-bytes")
        // Version 0.7.0 kept the interval beside the configuration; later ones in it.
        checkpointEvery = try (configuration["checkpoint-every"]?.wholeNumber ?? fields.optionalInt("checkpoint-every"))
            .flatMap { $0 > 0 ? $0 : nil }
        weights = try fields.string("weights")
        velocity = try fields.string("velocity")
        bestWeights = try fields.string("best-weights")
        optimizerSteps = try fields.ints("optimizer-steps")
        best = try fields.string("best")
        bestEpoch = try fields.int("best-epoch")
        sinceImprovement = try fields.int("since-improvement")
        // Versions before 0.9.0 had no L-BFGS and wrote no solver state.
        solverState = try fields.optionalString("solver-state") ?? ""
    }

    /// The epoch of the checkpoint in `folder`.
    static func epoch(inFolder folder: String) throws -> Int { try Checkpoint(folder: folder).epoch }

    static func damaged(_ what: String, path: String = Checkpoint.fileName) -> DescentError {
        .input("\(path): damaged checkpoint: \(what); start the run again with --overwrite (without --resume)")
    }

    static func encode<T: KernelScalar>(_ values: [T]) -> String {
        values.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    static func decode<T: KernelScalar>(_ text: String) throws -> [T] {
        guard let data = Data(base64Encoded: text), data.count % MemoryLayout<T>.stride == 0 else {
            throw damaged("an array is not base64 of \(T.precisionName) values")
        }
        // Copied byte for byte: Data's storage need not be aligned for T.
        return [T](unsafeUninitializedCapacity: data.count / MemoryLayout<T>.stride) { buffer, count in
            data.copyBytes(to: UnsafeMutableRawBufferPointer(buffer))
            count = buffer.count
        }
    }
}

extension Dataset {
    /// A fingerprint of the rows' bits (features and labels, block by block in chunk order,
    /// so it does not depend on the thread count): resuming on other data is an error.
    ///
    /// Each block is hashed as its image before the labels were packed: the feature columns,
    /// then every row's class as a `T` (0 past the last row). The packed column fills only
    /// the start of the label slot; the rest still holds the file readers' label tokens,
    /// which depend on how the file was split over threads, so hashing the slot as it lies
    /// would tie a checkpoint to its thread count. (The image is also what 0.5.0 hashed,
    /// so its checkpoints still resume.)
    package func fingerprint() -> String {
        let chunkRows = chunks.chunkRows
        var lanes: (UInt64, UInt64, UInt64, UInt64) = (
            0x9e37_79b9_7f4a_7c15, 0xc2b2_ae3d_27d4_eb4f, 0x1656_67b1_9e37_79f9, 0x27d4_eb2f_1656_67c5
        )
        let prime: UInt64 = 0x0000_0100_0000_01b3
        // Words in groups of four, one to a lane (the feature part's word count is a multiple
        // of four: chunkRows is a multiple of 16, so hashing it and the labels in two calls
        // gives the lanes of one call over the whole image).
        func mix(_ start: UnsafeRawPointer, bytes: Int) {
            start.withMemoryRebound(to: UInt64.self, capacity: bytes / 8) { words in
                var i = 0
                let n = bytes / 8
                while i + 4 <= n {
                    lanes.0 = (lanes.0 ^ words[i]) &* prime
                    lanes.1 = (lanes.1 ^ words[i + 1]) &* prime
                    lanes.2 = (lanes.2 ^ words[i + 2]) &* prime
                    lanes.3 = (lanes.3 ^ words[i + 3]) &* prime
                    i += 4
                }
                while i < n {
                    lanes.0 = (lanes.0 ^ words[i]) &* prime
                    i += 1
                }
            }
        }
        let classes = UnsafeMutablePointer<T>.allocate(capacity: chunkRows)
        defer { classes.deallocate() }
        for chunk in 0..<chunks.chunkCount {
            if let sparse {
                // Compressed rows: the offsets, then the indices and values (each padded with
                // zero bytes to whole words, from a copy: the entries end anywhere).
                mix(UnsafeRawPointer(sparse.offsets(chunk)), bytes: (chunkRows + 1) * 8)
                let entries = sparse.offsets(chunk)[chunkRows]
                for (start, bytes) in [
                    (UnsafeRawPointer(sparse.indices(chunk)), entries * 4),
                    (UnsafeRawPointer(sparse.values(chunk)), entries * MemoryLayout<T>.stride),
                ] {
                    var words = [UInt64](repeating: 0, count: (bytes + 7) / 8)
                    words.withUnsafeMutableBytes {
                        $0.copyMemory(from: UnsafeRawBufferPointer(start: start, count: bytes))
                    }
                    words.withUnsafeBytes { mix($0.baseAddress!, bytes: words.count * 8) }
                }
            } else {
                mix(UnsafeRawPointer(block(chunk)), bytes: featureCount * chunkRows * MemoryLayout<T>.stride)
            }
            let rows = chunks.rows(ofChunk: chunk)
            if holdsTargets {
                // Regression targets: their own bits (padding rows hold 0).
                mix(UnsafeRawPointer(labels(chunk)), bytes: chunkRows * MemoryLayout<T>.stride)
            } else {
                for i in 0..<chunkRows {
                    classes[i] = i < rows.count ? RowSink<T>.scalar(Double(label(rows.lowerBound + i))) : 0
                }
                mix(UnsafeRawPointer(classes), bytes: chunkRows * MemoryLayout<T>.stride)
            }
            // Row weights, when the rows have them (unweighted data hash as before).
            if let weights = rowWeights(chunk) {
                mix(UnsafeRawPointer(weights), bytes: chunkRows * MemoryLayout<T>.stride)
            }
        }
        var h = FNV1a.hash(bytes: [], seed: lanes.0 ^ UInt64(rowCount))
        for lane in [lanes.1, lanes.2, lanes.3, UInt64(featureCount), UInt64(classCount)] {
            h = (h ^ lane) &* prime
            h ^= h >> 29
        }
        return FNV1a.hex(h)
    }
}

extension PreparedData {
    /// Fingerprints of the training, validation and test rows.
    package var fingerprint: String {
        [train.fingerprint(), validation?.fingerprint() ?? "none", test.fingerprint()].joined(separator: "-")
    }
}
