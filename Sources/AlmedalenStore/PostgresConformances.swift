public import AlmedalenCore
import Foundation
public import Postgres

extension LocalDay: PostgresEncodable, PostgresDecodable {
  public var postgresText: String? { description }
  public init(postgresText text: String) throws {
    guard let day = LocalDay(text) else { throw PostgresDecodingFailure("not a date: \(text)") }
    self = day
  }
}

/// Text enums travel as their raw values.
protocol PostgresTextEnum: RawRepresentable<String>, PostgresEncodable, PostgresDecodable {}

extension PostgresTextEnum {
  public var postgresText: String? { rawValue }
  public init(postgresText text: String) throws {
    guard let value = Self(rawValue: text) else {
      throw PostgresDecodingFailure("unknown \(Self.self) \(text)")
    }
    self = value
  }
}

extension EventKind: PostgresTextEnum {}
extension EventStatus: PostgresTextEnum {}
extension Accessibility: PostgresTextEnum {}
extension ParticipantRole: PostgresTextEnum {}
extension RegistrationStatus: PostgresTextEnum {}
extension TokenRole: PostgresTextEnum {}
extension CoOrganiserStatus: PostgresTextEnum {}
extension MembershipRole: PostgresTextEnum {}
extension AccountLinkKind: PostgresTextEnum {}
