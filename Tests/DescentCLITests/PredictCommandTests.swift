import DescentTestSupport
import Foundation
import Testing

/// `descent predict`: a saved model's predictions and report, the same as train's and numpy's.
struct PredictCommandTests {
    /// train -> model.json -> predict --proba equals numpy's probabilities from the saved
    /// weights, and predict on the test file reproduces train's report exactly.
    @Test(arguments: [
        ("log-loss", ["no", "yes"]), ("cross-entropy", ["setosa", "versicolor", "virginica"]),
        ("squared-error", ["-1", "1"]),
    ])
    func roundTrip(_ loss: String, _ names: [String]) throws {
        let dir = CLI.temporaryDirectory()
        let train = CLI.write(labelledCSV(names, rows: 500), to: "train.csv", in: dir)
        let test = CLI.write(labelledCSV(names, rows: 120, offset: 1), to: "test.csv", in: dir)
        let trained = try CLI.run([
            "train", "--train", train, "--test", test, "--loss", loss, "--epochs", "30", "--standardize",
            "--output", dir.path + "/out",
        ])
        #expect(trained.status == 0, "\(trained.stderr)")
        let predicted = try CLI.run([
            "predict", "--model", dir.path + "/out/model.json", "--input", test, "--proba",
            "--output", dir.path + "/p.csv", "--threads", "3",
        ])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        let report = { (text: String) in
            text.components(separatedBy: "[INFO] evaluating...\n").last!.components(separatedBy: "[INFO] confusion")
                .first!
        }
        #expect(
            predicted.stdout.hasPrefix(report(trained.stdout)),
            "predict's report:\n\(predicted.stdout)\ntrain's:\n\(trained.stdout)")
        #expect(
            predicted.stdout.contains(
                trained.stdout.components(separatedBy: "[INFO] confusion").last!.components(separatedBy: "[INFO] ")
                    .first!))
        let csv = try String(contentsOfFile: dir.path + "/p.csv", encoding: .utf8)
        #expect(csv.hasPrefix("prediction," + names.map { "proba_" + $0 }.joined(separator: ",") + "\n"))
        // Standard output, another thread count: the same bytes.
        let piped = try CLI.run([
            "predict", "--model", dir.path + "/out/model.json", "--input", test, "--proba", "--threads", "1",
        ])
        #expect(piped.status == 0 && piped.stdout == csv)
        #expect(
            piped.stderr.contains("accuracy"),
            "the report goes to standard error when predictions go to standard output")
        if let reason = Python.unavailable(["numpy"]) {
            print("skipping the numpy comparison: \(reason)")
            return
        }
        let check = try Python.run(
            """
            import json, numpy as np
            m = json.load(open('out/model.json'))
            data = np.genfromtxt('test.csv', delimiter=',', names=True, dtype=None, encoding='utf-8')
            X = np.column_stack([data[f].astype(float) for f in m['features']])
            s = m['standardization']; X = (X - np.array(s['mean'])) / np.array(s['std'])
            W = np.array(m['weights']); Z = X @ W[:, :-1].T + W[:, -1]
            if W.shape[0] == 1:
                p = 1 / (1 + np.exp(-Z[:, 0])); P = np.column_stack([1 - p, p])
            else:
                E = np.exp(Z - Z.max(axis=1, keepdims=True)); P = E / E.sum(axis=1, keepdims=True)
            got = np.genfromtxt('p.csv', delimiter=',', skip_header=1, dtype=None, encoding='utf-8')
            Q = np.array([[float(v) for v in list(r)[1:]] for r in got])
            labels = [str(list(r)[0]) for r in got]
            assert Q.shape == P.shape, (Q.shape, P.shape)
            rel = np.max(np.abs(Q - P) / np.maximum(np.abs(P), 1e-300))
            assert rel < 1e-12, rel
            assert labels == [m['classes'][k] for k in P.argmax(axis=1)], 'predicted classes'
            print('ok', rel)
            """, in: dir)
        #expect(check.status == 0 && check.stdout.hasPrefix("ok"), "\(check.stdout)\(check.stderr)")
        if let reason = Python.unavailable(["sklearn"]) {
            print("skipping the scikit-learn metrics comparison: \(reason)")
            return
        }
        // train's metrics.json test log loss and ROC AUC are scikit-learn's log_loss and
        // roc_auc_score of the probabilities predict writes.
        let metrics = try Python.run(
            """
            import json, numpy as np
            from sklearn.metrics import log_loss, roc_auc_score
            m = json.load(open('out/metrics.json')); classes = json.load(open('out/model.json'))['classes']
            data = np.genfromtxt('test.csv', delimiter=',', names=True, dtype=None, encoding='utf-8')
            y = np.array([classes.index(str(v)) for v in data['label']])
            got = np.genfromtxt('p.csv', delimiter=',', skip_header=1, dtype=None, encoding='utf-8')
            Q = np.array([[float(v) for v in list(r)[1:]] for r in got])
            ll = log_loss(y, Q, labels=list(range(len(classes))))
            auc = roc_auc_score(y, Q[:, 1]) if len(classes) == 2 else roc_auc_score(y, Q, multi_class='ovr')
            assert abs(ll - m['test-log-loss']) <= 1e-9 * ll, (ll, m['test-log-loss'])
            assert abs(auc - m['roc-auc']) <= 1e-12, (auc, m['roc-auc'])
            print('ok', ll, auc)
            """, in: dir)
        #expect(metrics.status == 0 && metrics.stdout.hasPrefix("ok"), "\(metrics.stdout)\(metrics.stderr)")
    }

    /// Many chunks, no probabilities, no labels: one line per row, the same for any thread count.
    @Test func predictsManyRowsWithoutLabels() throws {
        let dir = CLI.temporaryDirectory()
        let train = CLI.write(labelledCSV(["0", "1"], rows: 200), to: "train.csv", in: dir)
        #expect(try CLI.run(["train", "--train", train, "--epochs", "20", "--output", dir.path + "/out"]).status == 0)
        var text = "a,b\n"
        for i in 0..<5_000 { text += "\(Double(i % 100) / 10 - 5),\(Double(i % 7) / 7)\n" }
        let input = CLI.write(text, to: "input.csv", in: dir)
        let one = try CLI.run(["predict", "--model", dir.path + "/out/model.json", "--input", input, "--threads", "1"])
        let three = try CLI.run([
            "predict", "--model", dir.path + "/out/model.json", "--input", input, "--threads", "3",
        ])
        #expect(one.status == 0 && three.status == 0, "\(one.stderr)\(three.stderr)")
        let lines = one.stdout.split(separator: "\n")
        #expect(lines.count == 5_001 && lines[0] == "prediction" && one.stdout == three.stdout)
        #expect(lines[1] == "0" && lines[100] == "1", "a = -5 is class 0, a = 4.9 class 1")
        #expect(!one.stderr.contains("accuracy"), "no labels, no report")
    }

    /// NumPy input: a model trained on an .npy predicts an .npz with y, and prints the report.
    @Test func predictsNumPyFiles() throws {
        let fixtures = CLI.packageRoot.appendingPathComponent("Tests/DescentTests/Fixtures").path
        let dir = CLI.temporaryDirectory()
        let trained = try CLI.run([
            "train", "--train", fixtures + "/f8.npy", "--test-fraction", "0.2", "--loss", "log-loss",
            "--epochs", "300", "--alpha", "0.5", "--gradient", "mean", "--standardize", "--output", dir.path + "/out",
        ])
        #expect(trained.status == 0, "\(trained.stderr)")
        let predicted = try CLI.run([
            "predict", "--model", dir.path + "/out/model.json", "--input", fixtures + "/xy.npz",
            "--output", dir.path + "/p.csv",
        ])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        #expect(
            predicted.stdout.contains("          -1 ") && predicted.stdout.contains("           7 ")
                && predicted.stdout.contains("accuracy"),
            "the report names the classes -1 and 7: \(predicted.stdout)")
        let lines = try String(contentsOfFile: dir.path + "/p.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 51 && lines[0] == "prediction" && Set(lines.dropFirst()).isSubset(of: ["-1", "7"]))
    }

    @Test func refusesModelsThatDoNotFit() throws {
        let dir = CLI.temporaryDirectory()
        let train = CLI.write(labelledCSV(["0", "1"], rows: 100), to: "train.csv", in: dir)
        let trained = try CLI.run(["train", "--train", train, "--epochs", "2", "--output", dir.path + "/out"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let model = dir.path + "/out/model.json"
        let renamed = CLI.write(labelledCSV(["0", "1"], rows: 10, header: "a,c,label"), to: "renamed.csv", in: dir)
        let wider = CLI.write("a,b,c,label\n1,2,3,0\n", to: "wider.csv", in: dir)
        let unknown = CLI.write("a,b,label\n1,2,0\n1,2,5\n", to: "unknown.csv", in: dir)
        let json = try String(contentsOfFile: model, encoding: .utf8)
        let future = CLI.write(
            json.replacingOccurrences(of: "\"format-version\" : 1", with: "\"format-version\" : 99"), to: "future.json",
            in: dir)
        let old = CLI.write(json.replacingOccurrences(of: "\"format-version\" : 1,", with: ""), to: "old.json", in: dir)
        let threeClass = CLI.write(labelledCSV(["0", "1", "2"], rows: 60), to: "three.csv", in: dir)
        let gzip = CLI.write(
            bytes: [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03], to: "rows.csv.gz", in: dir)
        for (arguments, message) in [
            (
                ["predict", "--model", model, "--input", gzip],
                "rows.csv.gz: compressed with gzip; descent reads uncompressed CSV"
            ),
            (
                ["predict", "--model", model, "--input", renamed],
                "the model's features are a, b, but \(renamed) has a, c"
            ),
            (
                ["predict", "--model", model, "--input", wider],
                "the model has 2 features (a, b), but \(wider) has 3 (a, b, c)"
            ),
            (
                ["predict", "--model", model, "--input", unknown],
                "unknown.csv:3: label '5' never occurs in the training data"
            ),
            (
                ["predict", "--model", future, "--input", train],
                "model format-version 99, but this build of Descent reads format-version 1"
            ),
            (["predict", "--model", old, "--input", train], "no format-version"),
            (["predict", "--model", dir.path + "/none.json", "--input", train], "cannot read the model file"),
            (
                ["train", "--train", threeClass, "--init-weights", model, "--loss", "cross-entropy"],
                "the model's classes are 0, 1, but the training data has 0, 1, 2"
            ),
            (
                ["train", "--train", renamed, "--init-weights", model],
                "the model's features are a, b, but the training data has a, c"
            ),
        ] {
            expectCleanFailure(try CLI.run(arguments), message, context: "\(arguments)")
        }
    }
}
