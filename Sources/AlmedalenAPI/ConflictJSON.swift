import AlmedalenCore
import Foundation
import HTTPServer

/// Conflicts on the wire: `GET /api/v1/conflicts` and an event's `warnings`.
enum ConflictJSON {
  static func object(_ conflict: Conflict) -> JSONValue {
    [
      "kind": conflict.kind.rawValue.json,
      "event_ids": [conflict.firstEventID.wire, conflict.secondEventID.wire].json,
      "person_id": conflict.personID?.wire.json ?? .null,
      "venue_id": conflict.venueID?.wire.json ?? .null,
      "distance_metres": conflict.distanceMetres.map { ($0 * 10).rounded() / 10 }.json,
      "walking_minutes": conflict.walkingTime.map { ($0 / 6).rounded() / 10 }.json,
      "gap_minutes": conflict.gap.map { ($0 / 6).rounded() / 10 }.json,
      "summary": conflict.summary.json,
    ]
  }
}

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
