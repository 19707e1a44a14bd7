extension RunConfiguration {
    /// Every setting of a run, each declared once: its key (the JSON name and the flag of
    /// `descent train`), the property that holds it, and its role. The JSON reader, the
    /// writer of checkpoints and `model.json`, the identity hash, `--resume`'s check and the
    /// command line all go through this table (see ``Setting``). The order is the order of
    /// `descent train --help`'s groups and of messages.
    public static let settings: [Setting] = [
        // Data
        .value("samples", \.samples),
        .value("features", \.features),
        .value("centers", \.centers),
        .value("cluster-std", \.clusterStd),
        .value("center-box", \.centerBox),
        .value("noise", \.noise),
        .value("test-fraction", \.testFraction),
        .value("validation-fraction", \.validationFraction),
        .optional("train", \.trainFile),
        .optional("test", \.testFile),
        .optional("label-column", \.labelColumn),
        .optional("weight-column", \.weightColumn),
        .optional("class-weight", \.classWeight),
        .value("standardize", \.standardize),
        .value("seed", \.training.seed),
        // Model and training
        .optional("task", \.task),
        .optional("loss", \.loss),
        .optional("epsilon", \.training.epsilon),
        .value("gradient", \.training.gradient),
        .value("optimizer", \.training.optimizer),
        .optional("solver", \.training.solver),
        .optional("memory", \.training.memory),
        .optional("tol", \.training.tolerance),
        .optional("l2", \.training.l2Penalty),
        .optional("l1", \.training.l1),
        .value("epochs", \.training.epochs),
        .value("alpha", \.training.learningRate),
        .value("batch-size", \.training.batchSize),
        .value("shuffle", \.training.shuffle),
        .value("drop-last", \.training.dropLast),
        .value("full-loss", \.training.fullLoss),
        .value("momentum", \.training.momentum),
        .value("dampening", \.training.dampening),
        .value("nesterov", \.training.nesterov),
        .value("weight-decay", \.training.weightDecay),
        .value("schedule", \.training.schedule),
        .value("step-size", \.training.stepSize),
        .value("gamma", \.training.gamma),
        .value("decay", \.training.decay),
        .optional("target-loss", \.training.targetLoss),
        .optional("patience", \.training.patience),
        .value("workers", \.training.workers),
        .optional("sync-every", \.training.syncEvery),
        .optional("init-weights", \.initWeights),
        .value("precision", \.precision),
        // How the run is executed and where it writes: --resume may change these.
        .optional("threads", \.threads, .execution),
        .value("numa", \.numa, .execution),
        .optional("output", \.output, .execution),
        .optional("checkpoint-every", \.checkpointEvery, .execution),
    ]
}
