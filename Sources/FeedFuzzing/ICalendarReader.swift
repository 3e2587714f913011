import AlmedalenFeeds

extension FeedFuzzHarness {
  /// Physical lines to properties, strictly: what RFC 5545 allows and `ContentLineWriter`
  /// promises, nothing a lenient client would let through.
  enum ICalReader {
    struct Line {
      var name: String
      /// Values RFC 6868-decoded.
      var parameters: [(name: String, values: [String])]
      /// As written: TEXT is still escaped.
      var value: String
    }

    static func fail(_ message: String) -> Failure { Failure(message) }

    static func contentLines(_ bytes: [UInt8]) throws(Failure) -> [Line] {
      guard String(validating: bytes, as: UTF8.self) != nil else { throw fail("not UTF-8") }
      var physical: [ArraySlice<UInt8>] = []
      var start = 0
      var index = 0
      while index < bytes.count {
        switch bytes[index] {
        case 0x0D:
          guard index + 1 < bytes.count, bytes[index + 1] == 0x0A else {
            throw fail("bare CR at byte \(index)")
          }
          physical.append(bytes[start..<index])
          index += 2
          start = index
        case 0x0A:
          throw fail("bare LF at byte \(index)")
        default:
          index += 1
        }
      }
      guard start == bytes.count else { throw fail("the last line does not end in CRLF") }

      var logical: [[UInt8]] = []
      for (number, line) in physical.enumerated() {
        let text = String(decoding: line, as: UTF8.self)
        guard line.count <= ContentLineWriter.maximumLineOctets else {
          throw fail("line \(number + 1) has \(line.count) octets: \(FeedFuzzHarness.shown(text))")
        }
        guard String(validating: line, as: UTF8.self) != nil else {
          throw fail("line \(number + 1) is not UTF-8 on its own: a fold split a character")
        }
        if let control = text.unicodeScalars.first(where: {
          FeedFuzzHarness.isDropped($0.value) || $0.value == 0x0A || $0.value == 0x0D
        }) {
          throw fail("line \(number + 1) holds control character U+\(hex(control.value))")
        }
        if line.first == 0x20 || line.first == 0x09 {
          guard !logical.isEmpty else { throw fail("the first line is a continuation") }
          guard line.count > 1 else { throw fail("line \(number + 1) is an empty continuation") }
          logical[logical.count - 1] += line.dropFirst()
        } else {
          guard !line.isEmpty else { throw fail("line \(number + 1) is empty") }
          logical.append(Array(line))
        }
      }
      return try logical.map { (line) throws(Failure) in try parse(line) }
    }

    static func hex(_ value: UInt32) -> String {
      let digits = String(value, radix: 16, uppercase: true)
      return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
      ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
    }

    /// `NAME;PARAM=value,"quoted":value`.
    static func parse(_ bytes: [UInt8]) throws(Failure) -> Line {
      let text = String(decoding: bytes, as: UTF8.self)
      let scalars = Array(text.unicodeScalars)
      var index = 0
      func name() throws(Failure) -> String {
        let start = index
        while index < scalars.count, isNameScalar(scalars[index]) { index += 1 }
        guard index > start else {
          throw fail("no name at \(index) in \(FeedFuzzHarness.shown(text))")
        }
        return String(String.UnicodeScalarView(scalars[start..<index]))
      }
      let propertyName = try name()
      var parameters: [(name: String, values: [String])] = []
      while index < scalars.count, scalars[index] == ";" {
        index += 1
        let parameterName = try name()
        guard index < scalars.count, scalars[index] == "=" else {
          throw fail("parameter \(parameterName) without = in \(FeedFuzzHarness.shown(text))")
        }
        var values: [String] = []
        repeat {
          index += 1
          var raw = String.UnicodeScalarView()
          if index < scalars.count, scalars[index] == "\"" {
            index += 1
            while index < scalars.count, scalars[index] != "\"" {
              raw.append(scalars[index])
              index += 1
            }
            guard index < scalars.count else {
              throw fail("unclosed quote in \(FeedFuzzHarness.shown(text))")
            }
            index += 1
          } else {
            while index < scalars.count, !";:,\"".unicodeScalars.contains(scalars[index]) {
              raw.append(scalars[index])
              index += 1
            }
          }
          values.append(try parameterValue(String(raw), in: text))
        } while index < scalars.count && scalars[index] == ","
        parameters.append((parameterName, values))
      }
      guard index < scalars.count, scalars[index] == ":" else {
        throw fail("no : after the name and parameters in \(FeedFuzzHarness.shown(text))")
      }
      return Line(
        name: propertyName, parameters: parameters,
        value: String(String.UnicodeScalarView(scalars[(index + 1)...])))
    }

    /// RFC 6868: `^^`, `^'`, `^n`; a lone `^` is an error, since the writer escapes every one.
    static func parameterValue(_ raw: String, in line: String) throws(Failure) -> String {
      var out = String.UnicodeScalarView()
      var iterator = raw.unicodeScalars.makeIterator()
      while let scalar = iterator.next() {
        guard scalar == "^" else {
          out.append(scalar)
          continue
        }
        switch iterator.next() {
        case "^": out.append("^")
        case "'": out.append("\"")
        case "n", "N": out.append("\n")
        default: throw fail("unescaped ^ in a parameter of \(FeedFuzzHarness.shown(line))")
        }
      }
      return String(out)
    }

    /// A TEXT value unescaped (RFC 5545 §3.3.11); with `list`, split at unescaped commas.
    static func text(_ raw: String, list: Bool, _ what: String) throws(Failure) -> [String] {
      var items: [String.UnicodeScalarView] = [.init()]
      var iterator = raw.unicodeScalars.makeIterator()
      while let scalar = iterator.next() {
        switch scalar {
        case "\\":
          switch iterator.next() {
          case "\\": items[items.count - 1].append("\\")
          case ";": items[items.count - 1].append(";")
          case ",": items[items.count - 1].append(",")
          case "n", "N": items[items.count - 1].append("\n")
          case let other:
            throw fail(
              "\(what): backslash before \(other.map { "U+" + hex($0.value) } ?? "the end")")
          }
        case ";":
          throw fail("\(what): unescaped ; in \(FeedFuzzHarness.shown(raw))")
        case ",":
          guard list else { throw fail("\(what): unescaped , in \(FeedFuzzHarness.shown(raw))") }
          items.append(.init())
        default:
          items[items.count - 1].append(scalar)
        }
      }
      return items.map(String.init)
    }

    /// One component's properties by name.
    struct Properties {
      var lines: [Line]
      var context: String

      init(_ lines: [Line], _ context: String) {
        self.lines = lines
        self.context = context
      }

      /// Each name exactly once, and no others.
      func exactly(_ names: [String]) throws(Failure) {
        let found = lines.map(\.name)
        guard found.sorted() == names.sorted() else {
          throw fail("\(context) has properties \(found), expected \(names)")
        }
      }

      func one(_ name: String) throws(Failure) -> Line {
        let matching = lines.filter { $0.name == name }
        guard matching.count == 1 else { throw fail("\(context) has \(matching.count) \(name)") }
        return matching[0]
      }

      func text(_ name: String) throws(Failure) -> String {
        let line = try one(name)
        guard line.parameters.isEmpty else { throw fail("\(context) \(name) with parameters") }
        return try ICalReader.text(line.value, list: false, "\(context) \(name)")[0]
      }

      func texts(_ name: String) throws(Failure) -> [String] {
        let line = try one(name)
        guard line.parameters.isEmpty else { throw fail("\(context) \(name) with parameters") }
        return try ICalReader.text(line.value, list: true, "\(context) \(name)")
      }

      func uri(_ name: String, parameters: [(String, String)] = []) throws(Failure) -> String {
        let line = try one(name)
        guard
          line.parameters.map({ "\($0.name)=\($0.values)" })
            == parameters.map({ "\($0.0)=\([$0.1])" })
        else { throw fail("\(context) \(name) parameters \(line.parameters.map(\.name))") }
        return line.value
      }
    }
  }
}
