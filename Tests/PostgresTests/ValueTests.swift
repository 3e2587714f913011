import Foundation
import Postgres
import PostgresTesting
import Testing

extension ServerTests {
  /// Parameters go out and columns come back in PostgreSQL's text format; each Swift type
  /// must survive the trip unchanged, including the awkward values.
  @Suite struct Values {
    /// Sends `value` as the only parameter, cast to `sqlType`, and decodes it back.
    func roundTrip<T: PostgresCodable>(
      _ value: T, _ sqlType: PostgresQuery, on connection: Connection
    ) throws -> T {
      try connection.query("SELECT \(value)::\(sqlType) AS value")[0].decode("value")
    }

    @Test func stringsWithQuotesBackslashesEmojiAndSQLRoundTripUnchanged() throws {
      try withTestConnection("values_text") { connection throws in
        let values = [
          "", "plain", "it's \"quoted\"", "back\\slash \\\\ \\x00", "emoji 😀🇸🇪 åäö",
          "'; DROP TABLE x; --", "tab\there\nnew line\r\n", "{braces,commas}", "NULL",
          String(repeating: "long ", count: 20_000),
        ]
        for value in values {
          #expect(try roundTrip(value, "text", on: connection) == value)
        }
        // The injection attempt was data, not SQL: the session still works.
        #expect(try connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
      }
    }

    @Test func integersRoundTripAtTheirLimits() throws {
      try withTestConnection("values_int") { connection throws in
        for value in [0, 1, -1, Int.min, Int.max, 42] {
          #expect(try roundTrip(value, "int8", on: connection) == value)
        }
        for value in [Int32.min, -1, 0, Int32.max] {
          #expect(try roundTrip(value, "int4", on: connection) == value)
        }
        for value in [Int64.min, -1, 0, Int64.max] {
          #expect(try roundTrip(value, "int8", on: connection) == value)
        }
      }
    }

    @Test func doublesRoundTripIncludingNaNAndInfinities() throws {
      try withTestConnection("values_double") { connection throws in
        let values: [Double] = [
          0, -0.0, 1.5, -2.25, 0.1, .pi, 1e-300, 1e300, .greatestFiniteMagnitude,
          .leastNormalMagnitude, .infinity, -.infinity,
        ]
        for value in values {
          let back = try roundTrip(value, "float8", on: connection)
          #expect(back == value && back.sign == value.sign, "\(value) came back as \(back)")
        }
        #expect(try roundTrip(Double.nan, "float8", on: connection).isNaN)
        // The server really stored the special values, not some text that looked right.
        let row = try connection.query(
          "SELECT $1::float8 = 'Infinity' AS inf, $2::float8 = '-Infinity' AS neg, $3::float8 = 'NaN' AS nan",
          [Double.infinity, -Double.infinity, Double.nan])[0]
        #expect(try row.decode("inf", as: Bool.self))
        #expect(try row.decode("neg", as: Bool.self))
        #expect(try row.decode("nan", as: Bool.self))
      }
    }

    @Test func boolsAndUUIDsRoundTrip() throws {
      try withTestConnection("values_bool_uuid") { connection throws in
        #expect(try roundTrip(true, "bool", on: connection) == true)
        #expect(try roundTrip(false, "bool", on: connection) == false)
        for _ in 0..<20 {
          let id = UUID()
          #expect(try roundTrip(id, "uuid", on: connection) == id)
        }
        let fixed = try #require(UUID(uuidString: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"))
        let text = try connection.query("SELECT $1::uuid::text AS t", [fixed])[0]
          .decode("t", as: String.self)
        #expect(text == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
      }
    }

    @Test func datesRoundTripWithMicrosecondsBefore1970AndFarAhead() throws {
      try withTestConnection("values_date") { connection throws in
        let cases: [(Date, String)] = [
          (Date(timeIntervalSince1970: 0), "1970-01-01 00:00:00+00"),
          (Date(timeIntervalSince1970: 1_341_309_600.123456), "2012-07-03 10:00:00.123456+00"),
          (Date(timeIntervalSince1970: 1_700_000_000.000001), "2023-11-14 22:13:20.000001+00"),
          (Date(timeIntervalSince1970: -0.000001), "1969-12-31 23:59:59.999999+00"),
          (Date(timeIntervalSince1970: -1_000_000_000.5), "1938-04-24 22:13:19.5+00"),
          (Date(timeIntervalSince1970: -2_208_988_800), "1900-01-01 00:00:00+00"),
          (Date(timeIntervalSince1970: -62_135_596_800), "0001-01-01 00:00:00+00"),
          (Date(timeIntervalSince1970: 4_102_444_800), "2100-01-01 00:00:00+00"),
          (Date(timeIntervalSince1970: 253_402_300_799), "9999-12-31 23:59:59+00"),
        ]
        for (date, text) in cases {
          // The server reads exactly the instant we meant…
          let same = try connection.query(
            "SELECT $1::timestamptz = $2::timestamptz AS same", [date, text])[0]
          #expect(try same.decode("same", as: Bool.self), "\(text) was sent as \(date)")
          // …and what comes back is that instant again, to the microsecond.
          let back = try roundTrip(date, "timestamptz", on: connection)
          let error = abs(back.timeIntervalSince1970 - date.timeIntervalSince1970)
          #expect(error < 0.000_000_5, "\(text) came back \(error)s off")
        }
      }
    }

    @Test func bytesRoundTripAllByteValues() throws {
      try withTestConnection("values_bytes") { connection throws in
        let all = PostgresBytes((0...255).map { UInt8($0) })
        #expect(try roundTrip(all, "bytea", on: connection) == all)
        #expect(try roundTrip(PostgresBytes([]), "bytea", on: connection) == PostgresBytes([]))
        let length = try connection.query("SELECT length($1::bytea) AS n", [all])[0]
          .decode("n", as: Int.self)
        #expect(length == 256)
      }
    }

    @Test func stringArraysRoundTripWithSyntaxCharactersAndNullText() throws {
      try withTestConnection("values_array") { connection throws in
        let strings = [
          "a,b", "with \"quotes\"", "back\\slash", "{braces}", "}", "{", "NULL", "null", "",
          " spaced ", "tab\tand\nnewline", "emoji 😀", "'; DROP TABLE x; --",
        ]
        #expect(try roundTrip(strings, "text[]", on: connection) == strings)
        #expect(try roundTrip([String](), "text[]", on: connection) == [])
        #expect(try roundTrip([""], "text[]", on: connection) == [""])
        // Each element arrived as its own element.
        let count = try connection.query("SELECT cardinality($1::text[]) AS n", [strings])[0]
          .decode("n", as: Int.self)
        #expect(count == strings.count)

        let optionals: [String?] = ["x", nil, "NULL", nil, "", "\"NULL\""]
        #expect(try roundTrip(optionals, "text[]", on: connection) == optionals)
        let nulls = try connection.query(
          "SELECT array_positions($1::text[], NULL) AS p", [optionals])[0]
          .decode("p", as: [Int].self)
        #expect(nulls == [2, 4])
        // A NULL element cannot become a non-optional String.
        let error = try #require(throws: PostgresError.self) {
          let strings: [String] = try connection.query("SELECT $1::text[] AS v", [optionals])[0]
            .decode("v")
          _ = strings
        }
        #expect(error.code == .decoding)
      }
    }

    @Test func otherArraysRoundTrip() throws {
      try withTestConnection("values_arrays") { connection throws in
        #expect(try roundTrip([1, -2, Int.max], "int8[]", on: connection) == [1, -2, Int.max])
        let ids = [UUID(), UUID()]
        #expect(try roundTrip(ids, "uuid[]", on: connection) == ids)
        let bytes = [PostgresBytes([0, 92, 34, 255]), PostgresBytes([])]
        #expect(try roundTrip(bytes, "bytea[]", on: connection) == bytes)
        let dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -86_400.25)]
        #expect(try roundTrip(dates, "timestamptz[]", on: connection) == dates)
      }
    }

    @Test func nullDecodesAsNilAndNilEncodesAsNull() throws {
      try withTestConnection("values_null") { connection throws in
        let row = try connection.query("SELECT NULL::text AS t, NULL::int8 AS i")[0]
        #expect(try row.decode("t", as: String?.self) == nil)
        #expect(try row.decode("i", as: Int?.self) == nil)
        #expect(row.isNull("t"))
        let missing: String? = nil
        let present: String? = "here"
        let sent = try connection.query(
          "SELECT $1::text IS NULL AS a, $2::text AS b", [missing, present])[0]
        #expect(try sent.decode("a", as: Bool.self))
        #expect(try sent.decode("b", as: String?.self) == "here")
      }
    }

    @Test func decodingNullAsNonOptionalThrowsNamingTheColumn() throws {
      try withTestConnection("values_null_error") { connection throws in
        let row = try connection.query("SELECT NULL::text AS nickname")[0]
        let error = try #require(throws: PostgresError.self) {
          _ = try row.decode("nickname", as: String.self)
        }
        #expect(error.code == .decoding)
        #expect(error.column == "nickname")
        #expect(error.message.contains("nickname"))
      }
    }

    @Test func decodingAMissingColumnThrowsNamingIt() throws {
      try withTestConnection("values_missing") { connection throws in
        let row = try connection.query("SELECT 1 AS present")[0]
        let error = try #require(throws: PostgresError.self) {
          _ = try row.decode("absent", as: Int.self)
        }
        #expect(error.code == .decoding)
        #expect(error.column == "absent")
        #expect(error.message.contains("absent"))
        let byPosition = try #require(throws: PostgresError.self) {
          _ = try row.decode(column: 5, as: Int.self)
        }
        #expect(byPosition.code == .decoding)
      }
    }

    @Test func decodingTextAsIntThrowsNamingTheColumn() throws {
      try withTestConnection("values_wrong_type") { connection throws in
        let row = try connection.query("SELECT 'abc'::text AS word")[0]
        let error = try #require(throws: PostgresError.self) {
          _ = try row.decode("word", as: Int.self)
        }
        #expect(error.code == .decoding)
        #expect(error.column == "word")
        #expect(error.message.contains("word"))
        #expect(error.message.contains("abc"))
      }
    }

    @Test func columnsAreFoundByExactNameAndByPosition() throws {
      try withTestConnection("values_columns") { connection throws in
        let result = try connection.query(
          "SELECT 1 AS \"MixedCase\", 2 AS lower, 3 AS \"with space\"")
        #expect(result.columns == ["MixedCase", "lower", "with space"])
        let row = try #require(result.first)
        #expect(try row.decode("MixedCase", as: Int.self) == 1)
        #expect(try row.decode("with space", as: Int.self) == 3)
        #expect(try row.decode(column: 1, as: Int.self) == 2)
        #expect(throws: PostgresError.self) { try row.decode("mixedcase", as: Int.self) }
      }
    }

    @Test func aColumnWhoseNameHoldsADoubleQuoteCanBeDecoded() throws {
      try withTestConnection("values_quote_column") { connection throws in
        let row = try connection.query("SELECT 1 AS \"say \"\"hi\"\"\"")[0]
        #expect(try row.decode("say \"hi\"", as: Int.self) == 1)
      }
    }
  }
}
