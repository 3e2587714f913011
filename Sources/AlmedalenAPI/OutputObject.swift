import AlmedalenCore
import Foundation

/// An object an answer carries, declared as one list of fields: the list writes a value and
/// is the object's schema (every field always there, `type: [T, "null"]` where it may be
/// `null`). A field is named once.
struct OutputObject<Value>: Sendable {
  /// One field: its name, its schema, and how it is written; `nil` leaves it out, which
  /// only a field that is not `required` may.
  struct Field: Sendable {
    let name: String
    let schema: JSONValue
    var required = true
    let write: @Sendable (Value) -> JSONValue?

    init(
      name: String, schema: JSONValue, required: Bool = true,
      write: @escaping @Sendable (Value) -> JSONValue?
    ) {
      self.name = name
      self.schema = schema
      self.required = required
      self.write = write
    }
  }

  let name: String
  var description: String? = nil
  let fields: [Field]
  var uses: [SchemaComponent] = []

  func json(_ value: Value) -> JSONValue {
    var members: [String: JSONValue] = [:]
    for field in fields {
      if let written = field.write(value) { members[field.name] = written }
    }
    return .object(members)
  }

  var schema: JSONValue {
    Schema.object(
      Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.schema) }),
      required: fields.filter(\.required).map(\.name), description: description)
  }

  var component: SchemaComponent { SchemaComponent(name: name, schema: schema, uses: uses) }

  /// `{"items": [...]}` of this object, named `<name>List` unless named otherwise.
  func list(named listName: String? = nil) -> SchemaComponent {
    SchemaComponent(
      name: listName ?? name + "List", schema: Schema.output(["items": Schema.array(ref)]),
      uses: [component])
  }

  /// A page of this object with the cursor to the next, named `<name>Page`.
  var page: SchemaComponent {
    SchemaComponent(
      name: name + "Page",
      schema: Schema.output([
        "items": Schema.array(ref),
        "next_cursor": Schema.string(nullable: true, description: "null on the last page."),
      ]), uses: [component])
  }

  var ref: JSONValue { OpenAPIDocument.ref(name) }
}

extension OutputObject.Field {
  typealias Path<T> = any KeyPath<Value, T> & Sendable

  static func string(_ name: String, _ path: Path<String>, description: String? = nil) -> Self {
    Self(name: name, schema: Schema.string(description: description)) {
      $0[keyPath: path].json
    }
  }

  static func string(_ name: String, _ path: Path<String?>) -> Self {
    Self(name: name, schema: Schema.string(nullable: true)) { $0[keyPath: path].json }
  }

  static func uuid(_ name: String, _ path: Path<UUID>) -> Self {
    Self(name: name, schema: Schema.uuid()) { $0[keyPath: path].wire.json }
  }

  static func uuid(_ name: String, _ path: Path<UUID?>) -> Self {
    Self(name: name, schema: Schema.uuid(nullable: true)) {
      $0[keyPath: path].map(\.wire).json
    }
  }

  static func uuids(_ name: String, _ path: Path<[UUID]>) -> Self {
    Self(name: name, schema: Schema.array(Schema.uuid())) {
      $0[keyPath: path].map(\.wire).json
    }
  }

  static func strings(_ name: String, _ path: Path<[String]>) -> Self {
    Self(name: name, schema: Schema.array(Schema.string())) { $0[keyPath: path].json }
  }

  static func integer(_ name: String, _ path: Path<Int>) -> Self {
    Self(name: name, schema: Schema.integer()) { $0[keyPath: path].json }
  }

  static func integer(_ name: String, _ path: Path<Int?>, minimum: Int? = nil) -> Self {
    Self(name: name, schema: Schema.integer(minimum: minimum, nullable: true)) {
      $0[keyPath: path].json
    }
  }

  /// A string that is there only sometimes (a sign-up's secret links, the first time).
  static func omittable(_ name: String, _ path: Path<String?>) -> Self {
    Self(name: name, schema: Schema.string(), required: false) { $0[keyPath: path]?.json }
  }

  static func number(_ name: String, _ path: Path<Double?>) -> Self {
    Self(name: name, schema: Schema.number(nullable: true)) { $0[keyPath: path].json }
  }

  static func bool(_ name: String, _ path: Path<Bool>) -> Self {
    Self(name: name, schema: Schema.boolean()) { $0[keyPath: path].json }
  }

  static func day(_ name: String, _ path: Path<LocalDay>) -> Self {
    Self(name: name, schema: Schema.string(format: "date")) {
      $0[keyPath: path].description.json
    }
  }

  static func time(_ name: String, _ path: Path<Date>) -> Self {
    Self(name: name, schema: Schema.dateTime()) { RFC3339.format($0[keyPath: path]).json }
  }

  static func time(_ name: String, _ path: Path<Date?>) -> Self {
    Self(name: name, schema: Schema.dateTime(nullable: true)) {
      $0[keyPath: path].map(RFC3339.format).json
    }
  }

  static func cases<T: RawRepresentable<String> & CaseIterable & Sendable>(
    _ name: String, _ path: Path<T>
  )
    -> Self
  {
    Self(name: name, schema: Schema.cases(T.self)) { $0[keyPath: path].rawValue.json }
  }

  static func cases<T: RawRepresentable<String> & CaseIterable & Sendable>(
    _ name: String, _ path: Path<[T]>
  ) -> Self {
    Self(name: name, schema: Schema.array(Schema.cases(T.self))) {
      $0[keyPath: path].map(\.rawValue).json
    }
  }

  /// A list of objects that have no schema of their own, described in place.
  static func inline<Item>(
    _ name: String, _ item: OutputObject<Item>, _ items: @escaping @Sendable (Value) -> [Item]
  ) -> Self {
    Self(name: name, schema: Schema.array(item.schema)) { .array(items($0).map(item.json)) }
  }

  /// An object in place, written from the same value.
  static func nested(_ name: String, _ object: OutputObject<Value>) -> Self {
    Self(name: name, schema: object.schema) { object.json($0) }
  }

  /// A list of other objects, by reference to their schema.
  static func objects<Item>(
    _ name: String, _ item: OutputObject<Item>, _ items: @escaping @Sendable (Value) -> [Item]
  ) -> Self {
    Self(name: name, schema: Schema.array(item.ref)) { .array(items($0).map(item.json)) }
  }
}

extension OutputObject.Field {
  /// A field whose value is the same for every object, such as the festival's time zone.
  static func constant(_ name: String, _ value: String, description: String) -> Self {
    Self(name: name, schema: Schema.string(description: description)) { _ in value.json }
  }
}
