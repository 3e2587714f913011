/// Bounds on fields shared by several values, so that validation and the API's schemas say
/// the same.
public enum FieldLimits {
  /// Names of organisers, venues, people and attendees.
  public static let name = 200
  /// Addresses, titles, organisations.
  public static let line = 300
  /// A party's abbreviation.
  public static let party = 20
  /// Descriptions and notes.
  public static let paragraph = 2000
  /// Seats at a venue or an event.
  public static let capacity = 0...100_000
}
