import Testing

@testable import Descent

/// Losses as the console and the files print them (``LossText``).
struct LossTextTests {
    /// D12: losses print short for every magnitude.
    @Test func lossesPrintShort() {
        #expect(LossText.format(1.0073494388) == "1.0073494")
        #expect(LossText.format(155.9891740) == "155.9891740")
        #expect(LossText.format(999_999.5) == "999999.5000000")
        #expect(LossText.format(3.763548268759673e128) == "3.763548e+128")
        #expect(LossText.format(-2e300) == "-2.000000e+300")
        #expect(LossText.format(.nan) == "nan" && LossText.format(.infinity) == "inf")
        #expect(LossText.format(Double.greatestFiniteMagnitude).count < 20)
    }
}
