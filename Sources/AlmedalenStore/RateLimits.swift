import Postgres

/// Fixed-window counters in `rate_limits`, shared by every server process. Keys are stored
/// as the SHA-256 of the text given, never the text (an address, an email).
enum RateLimits {
  /// Counts one attempt under `key` in the current window of `seconds`; the count so far in
  /// this window and the seconds until it ends.
  static func count(_ key: String, window seconds: Int, on connection: Connection) throws -> (
    count: Int, secondsLeft: Int
  ) {
    let row = try connection.query(
      """
      INSERT INTO rate_limits AS r (key, window_start, count)
      VALUES (encode(sha256(convert_to($1, 'UTF8')), 'hex'),
              to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
      ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
      RETURNING count,
        ceil(extract(epoch FROM window_start) + $2 - extract(epoch FROM now()))::int AS left
      """, [key, seconds])[0]
    return (try row.decode("count"), max(1, try row.decode("left")))
  }

  /// Takes back one attempt under `key` in the current window (a success that should not
  /// count against its client).
  static func takeBack(_ key: String, window seconds: Int, on connection: Connection) throws {
    try connection.execute(
      """
      UPDATE rate_limits SET count = count - 1
      WHERE key = encode(sha256(convert_to($1, 'UTF8')), 'hex') AND count > 1
        AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)
      """, [key, seconds])
  }

  /// Forgets every window of `key`.
  static func forget(_ key: String, on connection: Connection) throws {
    try connection.execute(
      "DELETE FROM rate_limits WHERE key = encode(sha256(convert_to($1, 'UTF8')), 'hex')", [key])
  }
}
