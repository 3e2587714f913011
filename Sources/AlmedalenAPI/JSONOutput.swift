import HTTPServer

/// JSON answers, keys sorted so equal data gives equal bytes.
enum JSONOutput {
  static func response(_ value: JSONValue, status: Int = 200, headers: [(String, String)] = [])
    -> Response
  {
    var response = Response(
      status: status, headers: ["Content-Type": "application/json"], body: value.bytes,
      compressible: true)
    for (name, field) in headers { response.headers.set(name, field) }
    return response
  }
}
