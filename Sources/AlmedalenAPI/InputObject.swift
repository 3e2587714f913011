import AlmedalenCore
import Foundation

/// A named JSON Schema for `components/schemas`, with the ones it refers to, so that the
/// document can collect every schema its operations use.
struct SchemaComponent: Sendable {
  let name: String
  let schema: JSONValue
  let uses: [SchemaComponent]

  /// This component and every one it uses, by name.
  var all: [String: JSONValue] {
    var found = [name: schema]
    for component in uses { found.merge(component.all) { first, _ in first } }
    return found
  }
}

/// A JSON object a request sends, declared as one list of fields: the list reads a body
/// (every problem at once, with its path, unknown fields refused) and is the object's JSON
/// Schema (`additionalProperties: false`, `required`, each field's bounds). A field is
/// named once.
struct InputObject<Body: Sendable>: Sendable {
  /// One field: its name, whether it must be there, its schema, and how it is read.
  struct Field: Sendable {
    let name: String
    let required: Bool
    let schema: JSONValue
    let read: @Sendable (inout JSONInput, [String: JSONValue], String, inout Body) -> Void
  }

  let name: String
  var description: String? = nil
  let fields: [Field]
  var uses: [SchemaComponent] = []
  /// A rule between fields, after they are read.
  var check: (@Sendable (Body, inout JSONInput) -> Void)? = nil

  /// Reads `object` (at `path`, `""` for the body itself) into `body`, adding every
  /// problem to `input`.
  func read(
    _ object: [String: JSONValue], at path: String = "", into body: inout Body,
    _ input: inout JSONInput
  ) {
    input.onlyKnown(object, Set(fields.map(\.name)), at: path)
    for field in fields { field.read(&input, object, path, &body) }
    check?(body, &input)
  }

  var component: SchemaComponent {
    let properties = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.schema) })
    return SchemaComponent(
      name: name,
      schema: Schema.object(
        properties, required: fields.filter(\.required).map(\.name), description: description),
      uses: uses)
  }
}

extension InputObject.Field {
  typealias Path<T> = any WritableKeyPath<Body, T?> & Sendable

  /// A field that `reader` (`JSONInput`'s reader of its kind) reads into `path`; one that
  /// may be left out may also be `null`, which the schema says.
  private static func reading<T>(
    _ name: String, _ path: Path<T>, required: Bool, _ schema: JSONValue,
    _ reader:
      @escaping @Sendable (
        _ input: inout JSONInput, _ object: [String: JSONValue], _ name: String, _ at: String,
        _ required: Bool
      ) -> T?
  ) -> Self {
    Self(name: name, required: required, schema: required ? schema : Schema.nullable(schema)) {
      input, object, at, body in
      body[keyPath: path] = reader(&input, object, name, at, required)
    }
  }

  static func string(
    _ name: String, _ path: Path<String>, required: Bool = false, _ schema: JSONValue
  ) -> Self {
    reading(name, path, required: required, schema) { $0.string($1, $2, at: $3, required: $4) }
  }

  static func int(_ name: String, _ path: Path<Int>, required: Bool = false, _ schema: JSONValue)
    -> Self
  {
    reading(name, path, required: required, schema) { $0.int($1, $2, at: $3, required: $4) }
  }

  static func double(_ name: String, _ path: Path<Double>, _ schema: JSONValue) -> Self {
    reading(name, path, required: false, schema) { input, object, name, at, _ in
      input.double(object, name, at: at)
    }
  }

  static func bool(_ name: String, _ path: Path<Bool>) -> Self {
    reading(name, path, required: false, Schema.boolean()) { input, object, name, at, _ in
      input.bool(object, name, at: at)
    }
  }

  static func uuid(
    _ name: String, _ path: Path<UUID>, required: Bool = false, description: String? = nil
  ) -> Self {
    reading(name, path, required: required, Schema.uuid(description: description)) {
      $0.uuid($1, $2, at: $3, required: $4)
    }
  }

  static func time(
    _ name: String, _ path: Path<Date>, required: Bool = false, description: String? = nil
  ) -> Self {
    reading(name, path, required: required, Schema.dateTime(description: description)) {
      $0.time($1, $2, at: $3, required: $4)
    }
  }

  static func day(
    _ name: String, _ path: Path<LocalDay>, required: Bool = false, description: String? = nil
  ) -> Self {
    let schema = Schema.string(format: "date", description: description)
    return reading(name, path, required: required, schema) {
      $0.day($1, $2, at: $3, required: $4)
    }
  }

  static func enumeration<T: RawRepresentable<String> & CaseIterable & Sendable>(
    _ name: String, _ path: Path<T>, required: Bool = false
  ) -> Self {
    reading(name, path, required: required, Schema.cases(T.self)) {
      $0.enumeration($1, $2, T.self, at: $3, required: $4)
    }
  }

  static func strings(_ name: String, _ path: Path<[String]>, _ schema: JSONValue) -> Self {
    reading(name, path, required: false, schema) { input, object, name, at, _ in
      input.strings(object, name, at: at)
    }
  }

  static func uuids(_ name: String, _ path: Path<[UUID]>, _ schema: JSONValue) -> Self {
    reading(name, path, required: false, schema) { input, object, name, at, _ in
      input.uuids(object, name, at: at)
    }
  }

  static func enumerations<T: RawRepresentable<String> & CaseIterable & Sendable>(
    _ name: String, _ path: Path<[T]>
  ) -> Self {
    let schema = Schema.array(Schema.cases(T.self), unique: true)
    return reading(name, path, required: false, schema) { input, object, name, at, _ in
      input.enumerations(object, name, T.self, at: at)
    }
  }

  /// An array of objects; an item that is not an object is a problem and `nil` in the list,
  /// so that positions stay as the body has them.
  static func objects<Item: WireInput>(
    _ name: String, _ path: Path<[Item?]>, _ item: InputObject<Item>, maxItems: Int
  ) -> Self {
    let schema = Schema.nullable(Schema.array(OpenAPIDocument.ref(item.name), maxItems: maxItems))
    return Self(name: name, required: false, schema: schema) { input, object, at, body in
      guard let list = input.array(object, name, at: at) else {
        body[keyPath: path] = nil
        return
      }
      var items: [Item?] = []
      for (index, value) in list.enumerated() {
        let itemPath = input.join(at, name) + "[\(index)]"
        guard case .object(let fields) = value else {
          input.add(itemPath, "must be an object")
          items.append(nil)
          continue
        }
        var read = Item()
        item.read(fields, at: itemPath, into: &read, &input)
        items.append(read)
      }
      body[keyPath: path] = items
    }
  }

  /// A field that is accepted and not read: what an answer carries and a client may send
  /// back as it got it.
  static func ignored(_ name: String) -> Self {
    Self(
      name: name, required: false, schema: ["description": "Read-only: accepted and ignored."],
      read: { _, _, _, _ in })
  }
}

/// A request body's Swift side: every field optional until read, filled by its
/// `InputObject`.
protocol WireInput: Sendable {
  init()
}

/// A request's JSON body, read through the `InputObject` its route declares (and the
/// document describes), when the handler is ready to: after its token checks, so that a 401
/// or 403 comes before a 422.
struct BodyReader<Body: WireInput>: Sendable {
  let context: RequestContext
  let wire: InputObject<Body>
  /// An object already read (a page's form turned into the API's body), instead of the
  /// request's JSON body: the same fields, rules and problem paths.
  var given: [String: JSONValue]? = nil

  /// The body: 415, 400, or 422 with every problem at once.
  func read() throws(Problem) -> Body {
    var input = JSONInput()
    let (body, _) = try read(&input)
    try input.check()
    return body
  }

  /// The body and the object it was read from, its problems left in `input` for a handler
  /// that has more rules to add before answering.
  func read(_ input: inout JSONInput) throws(Problem) -> (Body, [String: JSONValue]) {
    let object: [String: JSONValue]
    if let given { object = given } else { object = try context.jsonBody() }
    var body = Body()
    wire.read(object, into: &body, &input)
    return (body, object)
  }
}
