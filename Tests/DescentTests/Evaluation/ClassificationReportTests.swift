import DescentTestSupport
import Testing

@testable import Descent

struct ClassificationReportTests {
    /// Checked by hand: class 0 has 3 true rows (2 predicted right), class 1 has 2 (both
    /// right), and one row of class 0 was predicted 1.
    ///   class 0: precision 2/2 = 1.00, recall 2/3 = 0.67, f1 = 2*1*0.667/1.667 = 0.80
    ///   class 1: precision 2/3 = 0.67, recall 2/2 = 1.00, f1 = 0.80
    ///   accuracy 4/5 = 0.80; macro (0.833, 0.833, 0.80); weighted by support 3:2.
    @Test func smallCaseByHand() {
        let report = ClassificationReport(confusion: [[2, 1], [0, 2]])
        #expect(report.classes[0].precision == 1.0)
        #expect(abs(report.classes[0].recall - 2.0 / 3.0) < 1e-15)
        #expect(abs(report.classes[0].f1Score - 0.8) < 1e-15)
        #expect(abs(report.classes[1].precision - 2.0 / 3.0) < 1e-15)
        #expect(report.classes[1].recall == 1.0)
        #expect(report.accuracy == 0.8)
        #expect(abs(report.macroAverage.precision - 5.0 / 6.0) < 1e-15)
        #expect(abs(report.weightedAverage.precision - (3 * 1.0 + 2 * 2.0 / 3.0) / 5) < 1e-15)
        #expect(abs(report.weightedAverage.recall - 0.8) < 1e-15)
        let expected = """
                          precision    recall  f1-score   support

                       0       1.00      0.67      0.80         3
                       1       0.67      1.00      0.80         2

                accuracy                           0.80         5
               macro avg       0.83      0.83      0.80         5
            weighted avg       0.87      0.80      0.80         5

            """
        #expect(report.rendered() == expected)
    }

    @Test func classNeverPredictedHasZeroPrecision() {
        let report = ClassificationReport(confusion: [[5, 0, 0], [2, 0, 0], [0, 0, 3]])
        #expect(report.classes[1].precision == 0 && report.classes[1].recall == 0 && report.classes[1].f1Score == 0)
        #expect(report.accuracy == 0.8)
    }
}
