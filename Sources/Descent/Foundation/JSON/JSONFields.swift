/// The fields of a JSON object read by type, for files Descent writes and reads back
/// (checkpoints, the run records of an output folder): a field that is missing or of the
/// wrong kind is an error whose message `fail` makes from the field's description.
package struct JSONFields {
    package let object: [String: JSONValue]
    let fail: (String) -> Error

    /// The fields of `value`, which must be an object.
    package init(_ value: JSONValue, fail: @escaping (String) -> Error) throws {
        guard case .object(let object) = value else { throw fail("it is not a JSON object") }
        self.object = object
        self.fail = fail
    }

    func missing(_ key: String, _ kind: String) -> Error { fail("'\(key)' is missing or is not \(kind)") }

    package func string(_ key: String) throws -> String {
        guard case .string(let s) = object[key] else { throw missing(key, "a string") }
        return s
    }

    /// A string, or nil when the field is absent (a field of the wrong kind is an error).
    package func optionalString(_ key: String) throws -> String? {
        guard object[key] != nil else { return nil }
        return try string(key)
    }

    package func int(_ key: String) throws -> Int {
        guard let n = object[key]?.wholeNumber else { throw missing(key, "a whole number") }
        return n
    }

    /// A whole number, or nil when the field is absent (a field of the wrong kind is an error).
    package func optionalInt(_ key: String) throws -> Int? {
        guard object[key] != nil else { return nil }
        return try int(key)
    }

    package func ints(_ key: String) throws -> [Int] {
        guard case .array(let items) = object[key] else { throw missing(key, "an array of whole numbers") }
        return try items.map { item in
            guard let n = item.wholeNumber else { throw missing(key, "an array of whole numbers") }
            return n
        }
    }

    package func object(_ key: String) throws -> [String: JSONValue] {
        guard case .object(let o) = object[key] else { throw missing(key, "an object") }
        return o
    }

    package func fields(_ key: String) throws -> JSONFields { try JSONFields(.object(object(key)), fail: fail) }
}
