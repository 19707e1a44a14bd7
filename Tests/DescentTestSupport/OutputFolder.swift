import Foundation

/// What a run left in its output folder.
package enum OutputFolder {
    /// The run id that `file` (a JSON file of the folder) records, or nil.
    package static func runID(_ folder: String, _ file: String = "metrics.json") -> String? {
        guard let data = FileManager.default.contents(atPath: folder + "/" + file),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let run = object["run"] as? [String: Any]
        else { return nil }
        return run["id"] as? String
    }

    /// The names in `folder`, sorted (none when it does not exist).
    package static func entries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
