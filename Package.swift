// swift-tools-version:6.0
import PackageDescription

/// One settings array for every target, so the whole package is held to the same rules.
let strict: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "Almedalen",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "almedalen", targets: ["almedalen"])
  ],
  dependencies: [],
  targets: [
    .systemLibrary(
      name: "CLibPQ",
      pkgConfig: "libpq",
      providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
    ),
    // gzip for HTTP responses.
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    // Proleptic Gregorian days without Foundation: one calendar for the driver and the writers.
    .target(name: "CivilDates", swiftSettings: strict),
    // One byte buffer with the escaping of every format we write (XML, HTML, JSON, CSV, RFC 5545).
    .target(name: "ByteWriting", swiftSettings: strict),
    .target(name: "Postgres", dependencies: ["CLibPQ", "CivilDates"], swiftSettings: strict),
    // Fresh throwaway databases on the server that scripts/test starts; tests only.
    .target(name: "PostgresTesting", dependencies: ["Postgres"], swiftSettings: strict),
    // A raw HTTP/1.1 client over TCP for the HTTP tests; tests only.
    .target(name: "LoopbackTesting", swiftSettings: strict),
    // HTTP/1.1 on sockets; knows nothing of the festival.
    // Linux's epoll, eventfd and TCP headers, which Glibc's module map leaves out.
    .systemLibrary(name: "CEpoll"),
    // The one writer of log lines, which escapes every value (no package of the festival).
    .target(name: "KeyValueLog", swiftSettings: strict),
    .target(
      name: "HTTPServer", dependencies: ["ByteWriting", "CZlib", "CEpoll", "KeyValueLog"],
      swiftSettings: strict),
    // Drives HTTPServer's connection state machine with arbitrary bytes, for Fuzz/HTTPParser
    // and the corpus replay in the tests.
    .target(name: "HTTPFuzzing", dependencies: ["HTTPServer"], swiftSettings: strict),
    // Mail on its own: RFC 5322/MIME messages, an SMTP client, Maildir; knows nothing of the
    // festival.
    .target(name: "Mail", swiftSettings: strict),
    // QR codes (ISO/IEC 18004, byte mode) drawn as SVG, for enrolling an authenticator app.
    .target(name: "QRCode", swiftSettings: strict),
    // SHA-1, HMAC-SHA1, Base32, HOTP/TOTP (RFC 4226/6238), otpauth URIs, recovery codes.
    .target(name: "OneTimePassword", swiftSettings: strict),
    // Reads requests on stdin and answers with QRCode's SVG and OneTimePassword's codes, for
    // the Python tests that check them with decoders and libraries nobody here wrote; tests
    // only.
    .executableTarget(
      name: "two-factor-probe", dependencies: ["OneTimePassword", "QRCode"], swiftSettings: strict),
    .target(name: "AlmedalenCore", dependencies: ["CivilDates", "Mail"], swiftSettings: strict),
    // iCalendar, RSS and frab schedule writers: values in, bytes out.
    .target(
      name: "AlmedalenFeeds", dependencies: ["AlmedalenCore", "ByteWriting", "CivilDates"],
      swiftSettings: strict),
    // The feed writers' fuzz harness and its strict iCalendar and XML readers; fuzzers and
    // tests only.
    .target(
      name: "FeedFuzzing", dependencies: ["AlmedalenFeeds", "AlmedalenCore"], swiftSettings: strict),
    // The public HTML pages: values in, bytes out.
    .target(
      name: "AlmedalenPages", dependencies: ["AlmedalenCore", "AlmedalenFeeds", "ByteWriting"],
      swiftSettings: strict),
    .target(
      name: "AlmedalenStore",
      dependencies: ["AlmedalenCore", "Postgres"],
      resources: [],
      swiftSettings: strict
    ),
    // The festival's messages in Swedish, and the sender that drains the outbox.
    .target(
      name: "AlmedalenMail",
      dependencies: ["AlmedalenCore", "AlmedalenFeeds", "AlmedalenStore", "Mail"],
      swiftSettings: strict),
    // Demo programme from the seed reports, and the generated festival for benchmarks.
    .target(
      name: "AlmedalenSeed",
      dependencies: ["AlmedalenCore", "AlmedalenStore", "Postgres"],
      swiftSettings: strict
    ),
    // Routes, handlers, problem answers: the service's HTTP face.
    .target(
      name: "AlmedalenAPI",
      dependencies: [
        "AlmedalenCore", "AlmedalenFeeds", "AlmedalenPages", "AlmedalenStore", "ByteWriting",
        "HTTPServer", "KeyValueLog", "OneTimePassword", "QRCode",
      ],
      swiftSettings: strict
    ),
    // The service's tests' support: factories, the Visby fixtures, databases copied from a
    // migrated template, the API client; tests only.
    .target(
      name: "AlmedalenTesting",
      dependencies: [
        "AlmedalenCore", "AlmedalenFeeds", "AlmedalenStore", "LoopbackTesting", "Postgres",
        "PostgresTesting",
      ],
      swiftSettings: strict),
    .executableTarget(
      name: "almedalen",
      dependencies: [
        "AlmedalenAPI", "AlmedalenCore", "AlmedalenMail", "AlmedalenStore", "AlmedalenSeed",
        "HTTPServer", "KeyValueLog", "Mail", "Postgres",
      ],
      swiftSettings: strict
    ),
    .testTarget(
      name: "PostgresTests", dependencies: ["Postgres", "PostgresTesting"], swiftSettings: strict),
    .testTarget(
      name: "HTTPServerTests",
      dependencies: ["HTTPServer", "HTTPFuzzing", "KeyValueLog", "LoopbackTesting"],
      exclude: ["FuzzCorpus"],
      swiftSettings: strict),
    .testTarget(name: "MailTests", dependencies: ["Mail"], swiftSettings: strict),
    .testTarget(name: "KeyValueLogTests", dependencies: ["KeyValueLog"], swiftSettings: strict),
    .testTarget(name: "QRCodeTests", dependencies: ["QRCode"], swiftSettings: strict),
    .testTarget(
      name: "OneTimePasswordTests", dependencies: ["OneTimePassword"], swiftSettings: strict),
    .testTarget(
      name: "AlmedalenMailTests",
      dependencies: [
        "AlmedalenMail", "AlmedalenStore", "AlmedalenCore", "AlmedalenTesting", "Mail",
      ],
      swiftSettings: strict),
    .testTarget(name: "AlmedalenCoreTests", dependencies: ["AlmedalenCore"], swiftSettings: strict),
    .testTarget(name: "CivilDatesTests", dependencies: ["CivilDates"], swiftSettings: strict),
    .testTarget(name: "ByteWritingTests", dependencies: ["ByteWriting"], swiftSettings: strict),
    .testTarget(
      name: "AlmedalenPagesTests",
      dependencies: ["AlmedalenPages", "AlmedalenFeeds", "AlmedalenCore", "AlmedalenTesting"],
      swiftSettings: strict),
    .testTarget(
      name: "AlmedalenFeedsTests",
      dependencies: ["AlmedalenFeeds", "AlmedalenCore", "FeedFuzzing", "AlmedalenTesting"],
      exclude: ["FuzzCorpus"],
      swiftSettings: strict),
    .testTarget(
      name: "AlmedalenStoreTests",
      dependencies: [
        "AlmedalenStore", "AlmedalenCore", "AlmedalenSeed", "AlmedalenTesting", "Postgres",
        "PostgresTesting",
      ],
      swiftSettings: strict
    ),
    .testTarget(
      name: "AlmedalenAPITests",
      dependencies: [
        "AlmedalenAPI", "AlmedalenStore", "AlmedalenCore", "AlmedalenTesting", "HTTPServer",
        "KeyValueLog", "LoopbackTesting", "OneTimePassword", "Postgres", "PostgresTesting",
      ],
      swiftSettings: strict),
  ]
)
