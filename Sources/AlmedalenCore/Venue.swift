public import Foundation

/// A place in Visby where events are held: a garden, a tent, a hall, a courtyard.
public struct Venue: Hashable, Sendable, Identifiable {
  public var id: UUID
  /// Rises on every update; guards updates against lost writes.
  public var version: Int = 1
  public var name: String
  public var address: String?
  public var description: String?
  public var coordinate: Coordinate?
  public var capacity: Int?
  public var accessibility: [Accessibility]

  public init(
    id: UUID = UUID(), name: String, address: String? = nil, description: String? = nil,
    coordinate: Coordinate? = nil, capacity: Int? = nil, accessibility: [Accessibility] = []
  ) {
    self.id = id
    self.name = name
    self.address = address
    self.description = description
    self.coordinate = coordinate
    self.capacity = capacity
    self.accessibility = accessibility
  }

  public func validate() throws {
    var validator = Validator()
    validator.requireLine(name, "name", maxLength: FieldLimits.name)
    validator.optionalLine(address, "address", maxLength: FieldLimits.line)
    if let description {
      validator.paragraph(description, "description", maxLength: FieldLimits.paragraph)
    }
    if let coordinate {
      if !(-90...90).contains(coordinate.latitude) || coordinate.latitude.isNaN {
        validator.add("latitude", "must be between -90 and 90")
      }
      if !(-180...180).contains(coordinate.longitude) || coordinate.longitude.isNaN {
        validator.add("longitude", "must be between -180 and 180")
      }
    }
    if let capacity, !FieldLimits.capacity.contains(capacity) {
      validator.add(
        "capacity",
        "must be between \(FieldLimits.capacity.lowerBound) and \(FieldLimits.capacity.upperBound)")
    }
    if Set(accessibility).count != accessibility.count {
      validator.add("accessibility", "must not repeat a feature")
    }
    try validator.check()
  }
}

/// A point on the earth, in degrees (WGS 84).
public struct Coordinate: Hashable, Sendable {
  public var latitude: Double
  public var longitude: Double

  public init(latitude: Double, longitude: Double) {
    self.latitude = latitude
    self.longitude = longitude
  }

  /// Great-circle distance in metres (haversine; plenty for a town the size of Visby).
  public func distance(to other: Coordinate) -> Double {
    let radius = 6_371_000.0
    let lat1 = latitude * .pi / 180
    let lat2 = other.latitude * .pi / 180
    let dLat = (other.latitude - latitude) * .pi / 180
    let dLon = (other.longitude - longitude) * .pi / 180
    let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1) * cos(lat2) * sin(dLon / 2) * sin(dLon / 2)
    return 2 * radius * atan2(a.squareRoot(), (1 - a).squareRoot())
  }
}
