internal import CLibPQ

/// The rows of one statement. It owns its `PGresult` and frees it in `deinit`.
public final class QueryResult: RandomAccessCollection, @unchecked Sendable {
  private let handle: OpaquePointer
  public let count: Int
  /// Rows touched by INSERT, UPDATE, DELETE, COPY (0 for others).
  public let affectedRows: Int
  /// Column names in order.
  public let columns: [String]
  /// Each name's first position: rows look columns up by name thousands of times per result,
  /// and `PQfnumber` parses and scans on every call.
  private let positions: [String: Int32]

  init(_ handle: OpaquePointer) {
    self.handle = handle
    count = Int(PQntuples(handle))
    affectedRows = Int(String(cString: PQcmdTuples(handle))) ?? 0
    columns = (0..<PQnfields(handle)).map { String(cString: PQfname(handle, $0)) }
    positions = Dictionary(
      columns.enumerated().map { ($0.element, Int32($0.offset)) }, uniquingKeysWith: { a, _ in a })
  }

  deinit { PQclear(handle) }

  public var startIndex: Int { 0 }
  public var endIndex: Int { count }
  public subscript(position: Int) -> Row { Row(result: self, index: Int32(position)) }

  func columnIndex(_ name: String) -> Int32? { positions[name] }

  func text(row: Int32, column: Int32) -> String? {
    if PQgetisnull(handle, row, column) == 1 { return nil }
    return String(cString: PQgetvalue(handle, row, column))
  }
}

/// One row of a `QueryResult`.
public struct Row: @unchecked Sendable {
  let result: QueryResult
  let index: Int32

  /// Decodes the named column; errors name the column and why.
  public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
    guard let columnIndex = result.columnIndex(column) else {
      throw PostgresError(
        .decoding, message: "no column \"\(column)\" in the result", column: column)
    }
    return try decode(at: columnIndex, name: column)
  }

  /// Decodes the column at a position (0-based).
  public func decode<T: PostgresDecodable>(column position: Int, as type: T.Type = T.self) throws
    -> T
  {
    guard position >= 0, position < result.columns.count else {
      throw PostgresError(.decoding, message: "no column at position \(position)")
    }
    return try decode(at: Int32(position), name: result.columns[position])
  }

  private func decode<T: PostgresDecodable>(at column: Int32, name: String) throws -> T {
    do {
      guard let text = result.text(row: index, column: column) else { return try T.postgresNull() }
      return try T(postgresText: text)
    } catch let failure as PostgresDecodingFailure {
      throw PostgresError(
        .decoding, message: "column \"\(name)\" as \(T.self): \(failure.reason)", column: name)
    }
  }

  /// Whether the named column is NULL.
  public func isNull(_ column: String) -> Bool {
    guard let columnIndex = result.columnIndex(column) else { return true }
    return result.text(row: index, column: columnIndex) == nil
  }
}
