// libFuzzer entry point, compiled by scripts/fuzz together with the Descent library's
// sources (in one module, with -sanitize=fuzzer); not part of the Swift package.
import Foundation

let fuzzTarget: @Sendable (UnsafeRawBufferPointer) -> Void = {
    let name = ProcessInfo.processInfo.environment["DESCENT_FUZZ_TARGET"] ?? "csv"
    if name == "csv" {
        // Split even small files into parts, and check that 1 and 3 threads read the same data.
        CSVFile.minimumSplitBytes = 16
        return { FuzzTargets.csv($0, differential: true) }
    }
    if name == "svmlight" {
        SVMLightFile.minimumPartBytes = 8
        return { FuzzTargets.svmlight($0, differential: true) }
    }
    guard let target = FuzzTargets.all[name] else {
        fatalError(
            "DESCENT_FUZZ_TARGET must be one of \(FuzzTargets.all.keys.sorted().joined(separator: ", ")) (got \(name))")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func descentFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzTarget(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
