import AlmedalenCore
import Foundation
import HTTPServer

/// Conflicts on the wire: `GET /api/v1/conflicts` and an event's `warnings`.
enum ConflictJSON {
  static func object(_ conflict: Conflict) -> [String: Any] {
    [
      "kind": conflict.kind.rawValue,
      "event_ids": [conflict.firstEventID.wire, conflict.secondEventID.wire],
      "person_id": nullable(conflict.personID?.wire),
      "venue_id": nullable(conflict.venueID?.wire),
      "distance_metres": nullable(conflict.distanceMetres.map { ($0 * 10).rounded() / 10 }),
      "walking_minutes": nullable(conflict.walkingTime.map { ($0 / 6).rounded() / 10 }),
      "gap_minutes": nullable(conflict.gap.map { ($0 / 6).rounded() / 10 }),
      "summary": conflict.summary,
    ]
  }
}

/// JSON answers, keys sorted so equal data gives equal bytes.
enum JSONOutput {
  static func response(_ value: Any, status: Int = 200, headers: [(String, String)] = [])
    -> Response
  {
    let data =
      (try? JSONSerialization.data(
        withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    var response = Response(
      status: status, headers: ["Content-Type": "application/json"], body: Array(data),
      compressible: true)
    for (name, field) in headers { response.headers.set(name, field) }
    return response
  }
}
