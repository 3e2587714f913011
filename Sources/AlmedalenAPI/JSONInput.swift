import AlmedalenCore
import Foundation

/// Reads a JSON request body field by field, collecting every problem with its path
/// (`panels[1].panelist_ids[0]`) instead of stopping at the first, and refusing fields it
/// does not know.
struct JSONInput {
  private(set) var problems: [FieldProblem] = []

  /// Parses a body that must be one JSON object.
  static func object(_ body: [UInt8]) throws(Problem) -> [String: JSONValue] {
    guard !body.isEmpty else {
      throw Problem(status: 400, title: "Empty body", detail: "The request needs a JSON object.")
    }
    guard let value = try? JSONParser.parse(body) else {
      throw Problem(status: 400, title: "Malformed JSON", detail: "The body is not valid JSON.")
    }
    guard case .object(let object) = value else {
      throw Problem(status: 400, title: "Malformed JSON", detail: "The body must be a JSON object.")
    }
    return object
  }

  mutating func add(_ field: String, _ message: String) {
    problems.append(FieldProblem(field: field, message: message))
  }

  /// Refuses keys outside `known`.
  mutating func onlyKnown(_ object: [String: JSONValue], _ known: Set<String>, at path: String = "")
  {
    for key in object.keys.sorted() where !known.contains(key) {
      add(join(path, key), "is not a known field")
    }
  }

  mutating func string(
    _ object: [String: JSONValue], _ key: String, at path: String = "", required: Bool
  )
    -> String?
  {
    guard let value = object[key], value != .null else {
      if required { add(join(path, key), "is required") }
      return nil
    }
    guard case .string(let text) = value else {
      add(join(path, key), "must be a string")
      return nil
    }
    return text
  }

  mutating func int(
    _ object: [String: JSONValue], _ key: String, at path: String = "", required: Bool
  )
    -> Int?
  {
    guard let value = object[key], value != .null else {
      if required { add(join(path, key), "is required") }
      return nil
    }
    // A whole number in any spelling: `3`, `3.0` and `3e0` alike.
    guard case .number(let number) = value, let int = Int(exactly: number) else {
      add(join(path, key), "must be a whole number")
      return nil
    }
    return int
  }

  mutating func double(_ object: [String: JSONValue], _ key: String, at path: String = "")
    -> Double?
  {
    guard let value = object[key], value != .null else { return nil }
    guard case .number(let number) = value else {
      add(join(path, key), "must be a number")
      return nil
    }
    return number
  }

  mutating func bool(_ object: [String: JSONValue], _ key: String, at path: String = "") -> Bool? {
    guard let value = object[key], value != .null else { return nil }
    guard case .bool(let flag) = value else {
      add(join(path, key), "must be true or false")
      return nil
    }
    return flag
  }

  mutating func uuid(
    _ object: [String: JSONValue], _ key: String, at path: String = "", required: Bool
  )
    -> UUID?
  {
    guard let text = string(object, key, at: path, required: required) else { return nil }
    guard let id = UUID(uuidString: text) else {
      add(join(path, key), "must be an id")
      return nil
    }
    return id
  }

  mutating func time(
    _ object: [String: JSONValue], _ key: String, at path: String = "", required: Bool
  )
    -> Date?
  {
    guard let text = string(object, key, at: path, required: required) else { return nil }
    guard let date = RFC3339.parse(text) else {
      add(join(path, key), "must be an RFC 3339 time with offset, like 2026-06-23T12:00:00+02:00")
      return nil
    }
    return date
  }

  mutating func day(
    _ object: [String: JSONValue], _ key: String, at path: String = "", required: Bool
  ) -> LocalDay? {
    guard let text = string(object, key, at: path, required: required) else { return nil }
    guard let day = LocalDay(text) else {
      add(join(path, key), "must be a day, like 2026-06-21")
      return nil
    }
    return day
  }

  mutating func array(_ object: [String: JSONValue], _ key: String, at path: String = "")
    -> [JSONValue]?
  {
    guard let value = object[key], value != .null else { return nil }
    guard case .array(let list) = value else {
      add(join(path, key), "must be an array")
      return nil
    }
    guard list.count <= 200 else {
      add(join(path, key), "has more than 200 items")
      return nil
    }
    return list
  }

  mutating func strings(_ object: [String: JSONValue], _ key: String, at path: String = "")
    -> [String]?
  {
    guard let list = array(object, key, at: path) else { return nil }
    var out: [String] = []
    for (index, item) in list.enumerated() {
      guard case .string(let text) = item else {
        add(join(path, key) + "[\(index)]", "must be a string")
        continue
      }
      out.append(text)
    }
    return out
  }

  mutating func uuids(_ object: [String: JSONValue], _ key: String, at path: String = "") -> [UUID]?
  {
    guard let list = array(object, key, at: path) else { return nil }
    var out: [UUID] = []
    for (index, item) in list.enumerated() {
      guard case .string(let text) = item, let id = UUID(uuidString: text) else {
        add(join(path, key) + "[\(index)]", "must be an id")
        continue
      }
      out.append(id)
    }
    return out
  }

  mutating func enumeration<T: RawRepresentable<String> & CaseIterable>(
    _ object: [String: JSONValue], _ key: String, _ type: T.Type, at path: String = "",
    required: Bool
  ) -> T? {
    guard let text = string(object, key, at: path, required: required) else { return nil }
    guard let value = T(rawValue: text) else {
      add(
        join(path, key),
        "must be one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
      return nil
    }
    return value
  }

  mutating func enumerations<T: RawRepresentable<String> & CaseIterable>(
    _ object: [String: JSONValue], _ key: String, _ type: T.Type, at path: String = ""
  ) -> [T]? {
    guard let list = strings(object, key, at: path) else { return nil }
    var out: [T] = []
    for (index, text) in list.enumerated() {
      guard let value = T(rawValue: text) else {
        add(
          join(path, key) + "[\(index)]",
          "must be one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
        continue
      }
      out.append(value)
    }
    return out
  }

  func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

  /// Throws a 422 problem with every field problem, if there are any.
  func check() throws(Problem) {
    if !problems.isEmpty { throw Problem.invalid(problems) }
  }
}
