package import AlmedalenCore
package import Foundation

/// The festival the tests share: Almedalsveckan 2026 in Visby, with real coordinates so that
/// distances and walking times can be checked against a map.
package enum Visby {
  /// 21–28 June 2026.
  package static let edition = Edition(
    year: 2026, name: "Almedalsveckan 2026", firstDay: LocalDay("2026-06-21")!,
    lastDay: LocalDay("2026-06-28")!)

  package static let regionGotland = Organiser(name: "Region Gotland")
  package static let svenskaKyrkan = Organiser(name: "Svenska Kyrkan")

  package static let hansFolkesson = Person(name: "Hans Folkesson", title: "förbundsdirektör")

  /// 57.6394 N 18.2925 E, 60 seats.
  package static let donnersPlats = Venue(
    name: "Donners plats", coordinate: Coordinate(latitude: 57.6394, longitude: 18.2925),
    capacity: 60)
  /// 57.6404 N 18.2881 E: about 280 m west of Donners plats.
  package static let almedalenTent = Venue(
    name: "Almedalen, tält 3", coordinate: Coordinate(latitude: 57.6404, longitude: 18.2881))
  /// 57.6382 N 18.2919 E.
  package static let stHansPlats = Venue(
    name: "S:t Hans plats", coordinate: Coordinate(latitude: 57.6382, longitude: 18.2919))
  /// 57.6437 N 18.2880 E: by the harbour, north of Almedalen.
  package static let wisbyStrand = Venue(
    name: "Wisby Strand", coordinate: Coordinate(latitude: 57.6437, longitude: 18.2880))
  /// 57.6357 N 18.3023 E: outside the wall, a long walk from the others.
  package static let ostercentrum = Venue(
    name: "Östercentrum", coordinate: Coordinate(latitude: 57.6357, longitude: 18.3023))

  /// A Visby time on a day of June 2026: `at(day: 23, 12)` is 23 June at 12:00.
  package static func at(day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    FestivalTime.date(LocalDay(year: 2026, month: 6, day: day)!, hour: hour, minute: minute)
  }

  /// The same time as the API writes it: `2026-06-23T12:00:00+02:00` (summer time).
  package static func wire(day: Int, _ hour: Int, _ minute: Int = 0) -> String {
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "2026-06-\(two(day))T\(two(hour)):\(two(minute)):00+02:00"
  }
}
