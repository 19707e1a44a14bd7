import Foundation
import Testing
import DescentTestSupport

/// Every bad input gets a clear message naming what is wrong, a non-zero exit status, and
/// never a crash or a stack trace.
struct BadInputTests {
    static let dir = CLI.temporaryDirectory()

    static let cases: [(arguments: [String], message: String)] = {
        let d = dir
        let wide = CLI.write("a,b,label\n1,2,0\n1,2,0,9\n", to: "wide.csv", in: d)
        let word = CLI.write("a,b,label\n1,2,0\n1,two,1\n", to: "word.csv", in: d)
        let labels = CLI.write("a,b,label\n1,2,0\n3,4,2\n5,6,1\n", to: "labels.csv", in: d)
        let nan = CLI.write("a,b,label\n1,2,0\nNaN,4,1\n", to: "nan.csv", in: d)
        let inf = CLI.write("a,b,label\n1,2,0\n3,-inf,1\n", to: "inf.csv", in: d)
        let json = CLI.write("{\n  \"epochs\": 10,\n  \"alpha\" 0.1\n}\n", to: "bad.json", in: d)
        let unknown = CLI.write("{\"epochs\": 10, \"learning-rate\": 0.1}", to: "unknown.json", in: d)
        let weights = CLI.write("0.1,0.2\n", to: "weights.csv", in: d)
        // 70,000 distinct labels: more classes than a packed label column holds (2 bytes).
        let manyClasses = CLI.write("a,label\n" + (0..<70_000).map { "\($0 % 3),\($0)\n" }.joined(), to: "classes.csv", in: d)
        // What people pass by mistake: compressed CSVs (the streams' real first bytes, from
        // Python's gzip, lzma and bz2 modules), UTF-16 text, a binary file, a zipped CSV.
        let csv = Array("a,b,label\n1,2,0\n3,4,1\n".utf8)
        let gzip = CLI.write(bytes: [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4B, 0xD4, 0x49, 0xD2, 0xC9, 0x49, 0x4C, 0x4A,
                                     0xCD, 0xE1, 0x32, 0xD4, 0x31, 0xD2, 0x31, 0xE0, 0x32, 0xD6, 0x31, 0xD1, 0x31, 0xE4, 0x02, 0x00, 0x48, 0x6B,
                                     0xF7, 0xE6, 0x16, 0x00, 0x00, 0x00], to: "data.csv.gz", in: d)
        let xz = CLI.write(bytes: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00, 0x04, 0xE6, 0xD6, 0xB4, 0x46, 0x02, 0x00, 0x21, 0x01], to: "data.csv.xz", in: d)
        let bzip2 = CLI.write(bytes: [0x42, 0x5A, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0xF7, 0x6F, 0x4E, 0x37, 0x00, 0x00], to: "data.csv.bz2", in: d)
        let utf16 = CLI.write(bytes: [0xFF, 0xFE] + csv.flatMap { [$0, 0] }, to: "utf16.csv", in: d)
        let binary = CLI.write(bytes: Array("a,b,label\n1,2,0\n".utf8) + [0, 7, 0xFF] + csv, to: "binary.csv", in: d)
        let zipped = CLI.write(bytes: storedZip(name: "data.csv", contents: csv), to: "data.zip", in: d)
        return [
            (["train", "--train", gzip], "data.csv.gz: compressed with gzip; descent reads uncompressed CSV, .npy and .npz: decompress it first (gunzip -k "),
            (["train", "--train", xz], "data.csv.xz: compressed with xz;"),
            (["train", "--train", bzip2], "data.csv.bz2: compressed with bzip2;"),
            (["train", "--train", utf16], "utf16.csv: UTF-16 text"),
            (["train", "--train", binary], "binary.csv: binary data (a NUL byte at offset 16)"),
            (["train", "--train", zipped], "data.zip: a zip archive holding 'data.csv', not the arrays X and y of a .npz; descent reads CSV uncompressed: unzip it first"),
            (["train", "--epochs", "0"], "--epochs must be at least 1"),
            (["train", "--alpha", "0"], "--alpha must be a finite number > 0"),
            (["train", "--alpha=-1"], "--alpha must be a finite number > 0"),
            (["train", "--alpha", "nan"], "--alpha must be a finite number > 0"),
            (["train", "--alpha", "inf"], "--alpha must be a finite number > 0"),
            (["train", "--threads", "0"], "--threads must be at least 1"),
            (["train", "--samples", "1"], "--samples must be at least 2"),
            (["train", "--test-fraction", "0"], "--test-fraction must be strictly between 0 and 1"),
            (["train", "--test-fraction", "1.5"], "--test-fraction must be strictly between 0 and 1"),
            (["train", "--features", "0"], "--features must be at least 1"),
            (["train", "--centers", "0"], "--centers must be at least 1"),
            (["train", "--train", d.path + "/missing.csv"], "missing.csv: no such file"),
            (["train", "--train", d.path], "cannot be read"),
            (["train", "--config", d.path + "/missing.json"], "missing.json: no such configuration file"),
            (["train", "--config", json], "bad.json: malformed JSON at line 3, column 11"),
            (["train", "--config", unknown], "unknown key 'learning-rate'"),
            (["train", "--train", wide], "wide.csv:3: 4 columns, but the header has 3"),
            (["train", "--train", word], "word.csv:3:2: column 'b' holds 'two', which is not a number"),
            (["train", "--train", labels, "--loss", "squared-error"], "--loss squared-error is for two classes, but the data has 3"),
            (["train", "--train", manyClasses, "--threads", "2"], "classes.csv: label column 'label' holds 70000 distinct labels; descent trains up to 65536 classes"),
            (["train", "--train", nan], "nan.csv:3:1: column 'a' holds 'NaN'; NaN and infinite values are not allowed"),
            (["train", "--train", inf], "inf.csv:3:2: column 'b' holds '-inf'"),
            (["train", "--init-weights", weights], "this model needs 1 line of 3 numbers"),
            (["train", "--optimizer", "sgd", "--batch-size", "0"], "--batch-size must be at least 1"),
            (["train", "--momentum", "0.5", "--nesterov", "--dampening", "0.1"], "--nesterov needs --momentum > 0 and --dampening 0"),
            (["train", "--optimizer", "sgd", "--workers", "0"], "--workers must be at least 1"),
            (["train", "--optimizer", "sgd", "--samples", "10", "--workers", "6"], "--workers 6 is more than the 5 training rows"),
            (["train", "--optimizer", "sgd", "--workers", "2", "--sync-every", "0"], "--sync-every must be at least 1 batch"),
            (["train", "--workers", "4"], "--workers 4 needs --optimizer sgd"),
            (["train", "--sync-every", "4"], "--sync-every needs --optimizer sgd"),
            (["train", "--optimizer", "sgd", "--samples", "100", "--workers", "10", "--batch-size", "8", "--drop-last"],
             "--workers 10 with --drop-last gives each worker 5 rows, fewer than one --batch-size 8 batch"),
            (["bench", "--optimizer", "gd", "--workers", "2"], "--workers and --sync-every need --optimizer sgd"),
        ]
    }()

    /// A zip archive with one stored (uncompressed) entry, as `zip -0` writes it.
    static func storedZip(name: String, contents: [UInt8]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in contents {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc = ~crc
        let nameBytes = Array(name.utf8), size = UInt32(contents.count)
        let local = [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size) + le32(size)
            + le16(nameBytes.count) + le16(0) + nameBytes + contents
        let central = [0x50, 0x4B, 0x01, 0x02] + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size)
            + le32(size) + le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + nameBytes
        let end = [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(1) + le16(1) + le32(UInt32(central.count))
            + le32(UInt32(local.count)) + le16(0)
        return local + central + end
    }

    @Test(arguments: 0..<cases.count)
    func badInputFailsCleanly(_ index: Int) throws {
        let (arguments, message) = BadInputTests.cases[index]
        let result = try CLI.run(arguments)
        #expect(result.status == 2, "\(arguments): status \(result.status)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").contains { $0.hasPrefix("error: ") }, "\(arguments)")
        #expect(!result.stdout.contains("[INFO] training..."), "\(arguments): rejected before the run starts")
        for crash in ["Fatal error", "Stack dump", "Current stack trace", "Segmentation"] {
            #expect(!result.stderr.contains(crash), "\(arguments) crashed: \(result.stderr)")
        }
    }

    @Test func divergenceStopsKeepsOutputsAndSuggestsASmallerAlpha() throws {
        let out = CLI.temporaryDirectory().appendingPathComponent("diverged").path
        let result = try CLI.run(["train", "--alpha", "1e308", "--output", out])
        #expect(result.status == 3)
        #expect(result.stderr.contains("training diverged at epoch 1"), "\(result.stderr)")
        #expect(result.stderr.contains("try a smaller --alpha"))
        #expect(FileManager.default.fileExists(atPath: out + "/loss.csv"))
        #expect(FileManager.default.fileExists(atPath: out + "/loss.svg"))
    }

    @Test func outputPathThatIsAFileIsRejected() throws {
        let file = CLI.write("x", to: "not-a-folder", in: BadInputTests.dir)
        let result = try CLI.run(["train", "--epochs", "1", "--output", file])
        #expect(result.status == 4)
        #expect(result.stderr.contains("exists and is not a folder"))
        #expect((try? String(contentsOfFile: file, encoding: .utf8)) == "x", "the file is left alone")
    }
}
