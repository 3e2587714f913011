/// An HTTP response as read off the wire.
package struct HTTPReply: Sendable, CustomStringConvertible {
  package var version: String
  package var status: Int
  package var reason: String
  package var headers: [(name: String, value: String)]
  package var body: [UInt8]

  /// The first value of a header, by case-insensitive name.
  package func header(_ name: String) -> String? {
    headers.first { $0.name.lowercased() == name.lowercased() }?.value
  }

  package func headerValues(_ name: String) -> [String] {
    headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
  }

  package var text: String { String(decoding: body, as: UTF8.self) }

  package var closesConnection: Bool {
    header("Connection")?.lowercased().contains("close") ?? false
  }

  package var description: String {
    "\(version) \(status) \(reason) \(headers.map { "\($0.name): \($0.value)" }) "
      + text.prefix(600).debugDescription
  }
}
