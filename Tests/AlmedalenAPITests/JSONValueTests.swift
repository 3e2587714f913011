import AlmedalenCore
import Foundation
import Testing

@testable import AlmedalenAPI

/// The JSON reader and writer that replaced JSONSerialization: the same bytes out, the same
/// numbers, booleans and duplicate keys in, and every problem of a body at once.
@Suite struct JSONValueTests {
  static func foundation(_ value: Any) throws -> [UInt8] {
    Array(
      try JSONSerialization.data(
        withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]))
  }

  @Test func writesTheBytesJSONSerializationWrote() throws {
    let text =
      String((0..<0x80).map { Character(Unicode.Scalar(UInt8($0))) })
      + "é/\u{2028}\u{1F600}"
    let numbers: [Double] = [
      0, -0.0, 1, 120, 57.6348, 18.2948, 1.3, 0.1, 1e21, 1e-7, 2.5e-5, 123456789.123,
      0.30000000000000004, -90, 1e300,
    ]
    let keys = ["b", "b_c", "bc", "B", "a10", "a9", "200", "401", "$ref", "ETag", "e", "é"]
    var foundationObject: [String: Any] = [:]
    var ours: [String: JSONValue] = [:]
    for (index, key) in keys.enumerated() {
      foundationObject[key] = index
      ours[key] = index.json
    }
    foundationObject["text"] = text
    ours["text"] = text.json
    foundationObject["numbers"] = numbers
    ours["numbers"] = numbers.json
    foundationObject["flags"] = [true, false, NSNull()]
    ours["flags"] = [true, false, .null]
    foundationObject["nested"] = ["x": [[String: Any]](), "y": [Any]()]
    ours["nested"] = ["x": [], "y": []]
    #expect(JSONValue.object(ours).bytes == (try Self.foundation(foundationObject)))
  }

  @Test func readsWhatTheAPIAcceptedBefore() throws {
    // A repeated key keeps its last value.
    #expect(try JSONParser.parse(Array(#"{"a":1,"a":2}"#.utf8)) == ["a": 2])
    // A leading byte-order mark is skipped.
    #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == [1])
    #expect(try JSONParser.parse(Array(#""\ud83d\ude00""#.utf8)) == "\u{1F600}")
    #expect(
      try JSONParser.parse(Array(" {\"a\" : [ true , null ] } ".utf8)) == ["a": [true, .null]])
  }

  @Test(arguments: [
    "", "[1,]", #"{"a":1,}"#, "[01]", "[1E400]", #"["\ud800"]"#, "[.5]", "[1.]", "tru", "[1] 2",
    "{\"a\"}", "[\"\u{1}\"]", #"["\x"]"#, "nul", "-",
  ])
  func refusesWhatIsNotJSON(_ text: String) {
    #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
  }

  @Test func boundsTheNesting() throws {
    let deep = JSONParser.maximumDepth
    #expect(throws: Never.self) {
      try JSONParser.parse(
        Array((String(repeating: "[", count: deep) + String(repeating: "]", count: deep)).utf8))
    }
    #expect(throws: JSONParser.Failure.self) {
      try JSONParser.parse(Array(String(repeating: "[", count: 100_000).utf8))
    }
  }

  /// `3`, `3.0` and `3e0` are whole numbers, as they were; `true` is not a number, nor `1`
  /// a boolean.
  @Test func tellsWholeNumbersNumbersAndBooleansApart() throws {
    let object = try JSONInput.object(
      Array(#"{"a":3,"b":3.0,"c":3e0,"d":3.5,"e":true,"f":1,"g":"3"}"#.utf8))
    var input = JSONInput()
    #expect(input.int(object, "a", required: true) == 3)
    #expect(input.int(object, "b", required: true) == 3)
    #expect(input.int(object, "c", required: true) == 3)
    #expect(input.int(object, "d", required: true) == nil)
    #expect(input.int(object, "e", required: true) == nil)
    #expect(input.double(object, "d") == 3.5)
    #expect(input.bool(object, "e") == true)
    #expect(input.bool(object, "f") == nil)
    #expect(input.int(object, "g", required: true) == nil)
    #expect(
      input.problems.map(\.description) == [
        "d: must be a whole number", "e: must be a whole number", "f: must be true or false",
        "g: must be a whole number",
      ])
  }

  @Test func aBodyThatIsNotAnObjectIs400() {
    for body in ["", "[]", "nope", "\"text\""] {
      #expect(throws: Problem.self) { try JSONInput.object(Array(body.utf8)) }
      let status = (try? JSONInput.object(Array(body.utf8))).map { _ in 0 } ?? 400
      #expect(status == 400)
    }
  }

  /// One list of fields reads the body with every problem and its path, and is the schema.
  @Test func anInputObjectReportsEveryProblemWithItsPath() throws {
    let object = try JSONInput.object(
      Array(
        #"""
        {"title": 7, "extra": 1, "panels": [{"title": "A"},
          {"panelist_ids": ["nope"], "chair": true}, 3],
         "participants": [{"role": "guest"}]}
        """#.utf8))
    var input = JSONInput()
    var body = EventInput()
    EventInput.create.read(object, into: &body, &input)
    #expect(
      input.problems.map(\.description) == [
        "extra: is not a known field", "title: must be a string", "starts_at: is required",
        "ends_at: is required", "participants[0].person_id: is required",
        "participants[0].role: must be one of moderator, panelist, speaker",
        "panels[1].chair: is not a known field", "panels[1].panelist_ids[0]: must be an id",
        "panels[2]: must be an object",
      ])
    #expect(body.panels?.count == 3)
    #expect(body.panels?[0]?.title == "A")
  }

  @Test func anInputObjectIsAClosedSchemaWithCoresBounds() throws {
    let schema = EditionInput.wire.component.schema
    guard case .object(let members) = schema, case .object(let properties)? = members["properties"]
    else {
      Issue.record("not an object schema: \(schema)")
      return
    }
    #expect(members["additionalProperties"] == false)
    #expect(members["required"] == ["first_day", "last_day", "name", "year"])
    #expect(
      properties["year"]
        == [
          "type": "integer", "minimum": Edition.years.lowerBound.json,
          "maximum": Edition.years.upperBound.json,
        ])
    // What may be left out may be null, and says so.
    guard case .object(let organiser) = OrganiserInput.wire.component.schema,
      case .object(let fields)? = organiser["properties"],
      case .object(let website)? = fields["website"]
    else {
      Issue.record("OrganiserInput is not an object schema")
      return
    }
    #expect(website["type"] == ["string", "null"])
  }
}
