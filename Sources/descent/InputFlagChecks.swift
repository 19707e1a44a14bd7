import Descent

/// Flags that a configuration makes meaningless: an error when the user clearly expects an
/// effect that cannot happen, a warning (on standard error) when the flag is merely ignored.
extension RunOptions {
    /// Throws for blob flags given with a training file; prints a warning for each flag the
    /// run ignores.
    func checkInputFlags(_ c: RunConfiguration, given settings: [String: JSONValue]) throws {
        if let file = c.trainFile {
            let given = ["samples", "features", "centers", "cluster-std", "center-box"].filter { settings[$0] != nil }
                .map { "--" + $0 }
            if !given.isEmpty {
                let origin =
                    settings["train"] != nil ? "--train \(file)" : "the configuration file's \"train\": \"\(file)\""
                throw DescentError.configuration(
                    "\(given.joined(separator: ", ")) \(given.count == 1 ? "is" : "are") for generated blobs and would be ignored with \(origin); "
                        + "remove \(given.count == 1 ? "it" : "them") to train on the file, or remove the training file to generate blobs"
                )
            }
        }
        for message in ignoredFlagWarnings(c, given: settings) { note("warning: \(message)") }
    }

    /// One line per flag or setting that has no effect in configuration `c`.
    func ignoredFlagWarnings(_ c: RunConfiguration, given settings: [String: JSONValue]) -> [String] {
        var warnings: [String] = []
        if c.standardize && c.trainFile == nil {
            warnings.append("--standardize is ignored for generated blobs (it scales the features of --train files)")
        }
        if c.training.optimizer == .gd {
            if c.training.dropLast {
                warnings.append("--drop-last is ignored with --optimizer gd (it skips the last short SGD batch)")
            }
            if c.training.fullLoss {
                warnings.append(
                    "--full-loss is ignored with --optimizer gd (full-batch gradient descent always reports the loss over every training row)"
                )
            }
        }
        if c.testFile != nil && settings["test-fraction"] != nil {
            warnings.append("--test-fraction is ignored with --test (the test file is the test set)")
        }
        return warnings
    }
}
