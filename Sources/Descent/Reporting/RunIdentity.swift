import Foundation

/// What names a run in its files: an id, the configuration's hash and the start time.
package struct RunIdentity: Sendable, Equatable {
    package var id: String
    package var configurationHash: String
    /// ISO 8601, UTC, to the second.
    package var started: String

    package init(configuration: RunConfiguration, started date: Date = Date()) {
        configurationHash = configuration.identityHash
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        started = formatter.string(from: date)
        id = FNV1a.hex(FNV1a.hash("\(configurationHash) \(started) \(getpid()) \(date.timeIntervalSince1970)"))
    }

    /// The identity recorded in a checkpoint or an output folder's files.
    init(_ fields: JSONFields) throws {
        id = try fields.string("id")
        configurationHash = try fields.string("configuration-hash")
        started = try fields.string("started")
    }

    package var json: JSONValue {
        ["id": .init(id), "configuration-hash": .init(configurationHash), "started": .init(started)]
    }
}
