import Descent
import DescentTestSupport
import Foundation
import Testing

/// The version lives in one place (`descentVersion`): `descent --version` prints it and the
/// newest CHANGELOG.md entry is headed by it; the package ships its license.
struct ReleaseTests {
    @Test func versionIsTheSameEverywhere() throws {
        let printed = try CLI.run(["--version"])
        #expect(printed.status == 0)
        #expect(printed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == descentVersion)
        let changelog = try String(contentsOf: CLI.packageRoot.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let newest = changelog.split(separator: "\n").first { $0.hasPrefix("## ") }
        #expect(newest?.hasPrefix("## \(descentVersion) ") == true, "CHANGELOG.md's newest entry: \(newest ?? "none")")
        let parts = descentVersion.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil }, "semantic version: \(descentVersion)")
    }

    @Test func licenseIsApache2() throws {
        let license = try String(contentsOf: CLI.packageRoot.appendingPathComponent("LICENSE"), encoding: .utf8)
        #expect(license.contains("Apache License") && license.contains("Version 2.0, January 2004"))
    }
}
