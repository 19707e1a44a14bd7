import DescentTestSupport
import Foundation
import Testing

/// `descent train --solver lbfgs --l2 L`, with no other tuning, reaches the model scikit-learn's
/// `LogisticRegression(C=1/(n L), solver="lbfgs", tol=1e-10)` reaches on the same standardized
/// rows: the objective within 1e-6 (relative) and every coefficient within 1e-4, softmax
/// included. The references are made by Tests/DescentTests/Fixtures/lbfgs/make-lbfgs-reference.py
/// where scikit-learn is installed, and read from the checked-in iris files where it is not.
///
/// With `--l1 L` (OWL-QN) the reference is `LogisticRegression(penalty="l1", solver="saga")`,
/// which leaves the intercept unpenalised like descent: the same coefficients are exactly
/// zero, and the objective agrees within 1e-6, on a problem whose true weights are sparse
/// (make_classification with 5 informative features of 30) and on real data.
struct ScikitLearnAgreementTests {
    static let strength = 0.01
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/DescentTests/Fixtures/lbfgs")

    @Test(arguments: [
        ("breast_cancer", "l2"), ("wine", "l2"), ("iris", "l2"), ("digits", "l2"), ("sparse", "l1"), ("iris", "l1"),
        ("breast_cancer", "l1"),
    ])
    func lbfgsReachesScikitLearnsModel(_ name: String, _ penalty: String) throws {
        try agree(name, penalty, weights: "none")
    }

    /// Row weights as scikit-learn means them: `--class-weight balanced` is
    /// `class_weight="balanced"`, `--weight-column w` is `fit(sample_weight=w)`, and both
    /// together weigh the classes by their total sample weight, as scikit-learn 1.6+ does;
    /// the same C = 1 / (n L) for all of them.
    @Test(arguments: [
        ("breast_cancer", "l2", "balanced"), ("breast_cancer", "l2", "sample"), ("wine", "l2", "both"),
        ("digits", "l2", "balanced"), ("sparse", "l1", "both"),
    ])
    func weightedRowsReachScikitLearnsModel(_ name: String, _ penalty: String, _ weights: String) throws {
        try agree(name, penalty, weights: weights)
    }

    func agree(_ name: String, _ penalty: String, weights mode: String) throws {
        let tag = mode == "none" ? name : "\(name)_\(mode)"
        let folder: URL
        if Python.unavailable(["numpy", "sklearn"]) == nil {
            folder = CLI.temporaryDirectory()
            let made = try CLI.runProcess(
                URL(fileURLWithPath: "/usr/bin/env"),
                [
                    "python3", Self.fixtures.appendingPathComponent("make-lbfgs-reference.py").path, name,
                    "\(Self.strength)", folder.path, penalty, mode,
                ])
            try #require(made.status == 0, "\(made.stderr)")
        } else {
            // Without scikit-learn: the checked-in iris reference only.
            guard name == "iris" && mode == "none" else { return }
            folder = Self.fixtures
        }
        let reference =
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: folder.appendingPathComponent("\(tag)\(penalty == "l1" ? "_l1" : "")_reference.json")))
            as! [String: Any]
        let expected = reference["weights"] as! [[Double]]
        let output = CLI.temporaryDirectory().appendingPathComponent("run").path
        let binary = expected.count == 1
        let weighting =
            (mode == "balanced" || mode == "both" ? ["--class-weight", "balanced"] : [])
            + (mode == "sample" || mode == "both" ? ["--weight-column", "w"] : [])
        let result = try CLI.run(
            [
                "train", "--train", folder.appendingPathComponent("\(tag)_train.csv").path,
                "--test", folder.appendingPathComponent("\(tag)_test.csv").path, "--standardize",
                "--loss", binary ? "log-loss" : "cross-entropy", "--solver", "lbfgs", "--\(penalty)",
                "\(Self.strength)", "--max-iter", "1000", "--threads", "3", "--output", output,
            ] + weighting)
        try #require(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("[INFO] stopped: converged in "), "\(result.stdout)")
        let model =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/model.json")))
            as! [String: Any]
        var weights = model["weights"] as! [[Double]]
        var want = expected
        #expect(weights.count == want.count && weights[0].count == want[0].count)
        if !binary {
            // Softmax scores are unchanged by adding one number to every class's bias: compare
            // biases centred over the classes (the penalised weights are centred already).
            let width = want[0].count
            let ours = weights.map { $0[width - 1] }.reduce(0, +) / Double(weights.count)
            let theirs = want.map { $0[width - 1] }.reduce(0, +) / Double(want.count)
            for k in weights.indices {
                weights[k][width - 1] -= ours
                want[k][width - 1] -= theirs
            }
        }
        if penalty == "l1" {
            let zeros = weights.map { $0.dropLast().map { $0 == 0 } }
            let theirZeros = want.map { $0.dropLast().map { $0 == 0 } }
            #expect(zeros == theirZeros, "\(tag): the zero coefficients differ from scikit-learn's")
            #expect(zeros.joined().contains(true), "\(tag): L1 made some coefficients exactly zero")
        }
        var largest = 0.0
        for k in weights.indices {
            for j in weights[k].indices { largest = max(largest, abs(weights[k][j] - want[k][j])) }
        }
        #expect(largest <= 1e-4, "\(tag): the largest coefficient difference from scikit-learn is \(largest)")
        // The test figures of metrics.json against scikit-learn's log_loss and roc_auc_score
        // of its own model's predict_proba (references written before they were added have none).
        if let theirLoss = reference["test_log_loss"] as? Double, let theirAUC = reference["test_roc_auc"] as? Double {
            let metrics =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/metrics.json")))
                as! [String: Any]
            let ourLoss = try #require(metrics["test-log-loss"] as? Double)
            let ourAUC = try #require(metrics["roc-auc"] as? Double)
            #expect(
                abs(ourLoss - theirLoss) <= 1e-4 * theirLoss,
                "\(tag): test log loss \(ourLoss), scikit-learn's \(theirLoss)")
            #expect(abs(ourAUC - theirAUC) <= 1e-3, "\(tag): ROC AUC \(ourAUC), scikit-learn's \(theirAUC)")
        }
        // The last line of loss.csv is the objective at the final weights.
        let lines = try String(contentsOfFile: output + "/loss.csv", encoding: .utf8).split(separator: "\n")
        let objective = try #require(Double(lines.last!.split(separator: ",")[1]))
        let theirs = reference["objective"] as! Double
        #expect(
            abs(objective - theirs) <= 1e-6 * abs(theirs),
            "\(tag): objective \(objective), scikit-learn's \(theirs) (relative \((objective - theirs) / theirs))")
    }
    /// Regression: `--task regression --l2 L` (L-BFGS, no other setting) reaches scikit-learn's
    /// `Ridge(alpha=n L)` on make_regression data within 1e-6 per coefficient, from a CSV, an
    /// `.npy` and an `.npz` file alike (the same model bits from all three); and the test
    /// RMSE, MAE and R^2 of metrics.json are scikit-learn's metrics of predict's values.
    @Test func regressionReachesRidge() throws {
        if let reason = Python.unavailable(["numpy", "sklearn"]) {
            print("skipping the Ridge comparison: \(reason)")
            return
        }
        let dir = CLI.temporaryDirectory()
        let made = try Python.run(
            """
            import json, numpy as np
            from sklearn.datasets import make_regression
            from sklearn.linear_model import Ridge
            X, y = make_regression(n_samples=12000, n_features=20, noise=10, random_state=0)
            Xtr, Xte, ytr, yte = X[:9000], X[9000:], y[:9000], y[9000:]
            h = ",".join(f"f{j}" for j in range(20)) + ",y"
            np.savetxt("train.csv", np.column_stack([Xtr, ytr]), delimiter=",", header=h, comments="", fmt="%.17g")
            np.savetxt("test.csv", np.column_stack([Xte, yte]), delimiter=",", header=h, comments="", fmt="%.17g")
            np.save("train.npy", np.column_stack([Xtr, ytr]))
            np.save("test.npy", np.column_stack([Xte, yte]))
            np.savez("train.npz", X=Xtr, y=ytr)
            m = Ridge(alpha=len(ytr) * \(Self.strength), solver="cholesky").fit(Xtr, ytr)
            json.dump(np.hstack([m.coef_, m.intercept_]).tolist(), open("ridge.json", "w"))
            """, in: dir)
        try #require(made.status == 0, "\(made.stderr)")
        let ridge =
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("ridge.json")))
            as! [Double]
        var models: [String] = []
        for file in ["train.csv", "train.npy", "train.npz"] {
            let out = dir.path + "/run-" + file
            let result = try CLI.run([
                "train", "--train", dir.path + "/" + file,
                "--test", dir.path + (file.hasSuffix(".csv") ? "/test.csv" : "/test.npy"), "--task", "regression",
                "--l2", "\(Self.strength)", "--threads", "3", "--output", out,
            ])
            try #require(result.status == 0, "\(file): \(result.stderr)")
            let model =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/model.json")))
                as! [String: Any]
            let weights = (model["weights"] as! [[Double]])[0]
            let largest = zip(weights, ridge).map { abs($0 - $1) }.max()!
            #expect(largest <= 1e-6, "\(file): the largest coefficient difference from Ridge is \(largest)")
            models.append("\(weights)")
        }
        #expect(Set(models).count == 1, "CSV, .npy and .npz give the same model bits")
        let predicted = try CLI.run([
            "predict", "--model", dir.path + "/run-train.csv/model.json", "--input", dir.path + "/test.csv",
            "--output", dir.path + "/p.csv",
        ])
        try #require(predicted.status == 0, "\(predicted.stderr)")
        let check = try Python.run(
            """
            import json, numpy as np
            from sklearn.metrics import mean_squared_error, mean_absolute_error, r2_score
            m = json.load(open("run-train.csv/metrics.json"))
            y = np.loadtxt("test.csv", delimiter=",", skiprows=1)[:, -1]
            p = np.loadtxt("p.csv", delimiter=",", skiprows=1)
            for name, theirs in [("rmse", mean_squared_error(y, p) ** 0.5), ("mae", mean_absolute_error(y, p)),
                                 ("r2", r2_score(y, p))]:
                ours = m["test"][name]
                assert abs(ours - theirs) <= 1e-9 * abs(theirs), (name, ours, theirs)
            print("ok", m["test"])
            """, in: dir)
        #expect(check.status == 0 && check.stdout.hasPrefix("ok"), "\(check.stdout)\(check.stderr)")
    }
}
