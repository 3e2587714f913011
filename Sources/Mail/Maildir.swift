#if canImport(Glibc)
  import Glibc
#endif

/// Delivery into a Maildir (https://cr.yp.to/proto/maildir.html): each message is written to
/// `tmp/` under a unique name, synced, then renamed into `new/`, so a reader never sees half
/// a message.
///
/// Files hold the message with LF line ends, as mail readers expect of a Maildir (mutt, and
/// Python's `mailbox.Maildir`, which writes `os.linesep`), headed by a `Return-Path` with the
/// envelope sender as a delivery agent adds. The body is written as if the relay offered
/// 8BITMIME.
public struct MaildirTransport: MailTransport {
  /// The Maildir's folder; `tmp`, `new` and `cur` are made inside it when missing.
  public let path: String

  /// A transport for the Maildir at `path`.
  public init(path: String) { self.path = path }

  /// `maildir:PATH`.
  public var description: String { "maildir:" + path }

  /// Makes the folder and its `tmp`, `new` and `cur` (mode 0700) when they are missing.
  public func openSession() -> Result<any MailSession, MailTransportError> {
    do throws(MailTransportError) {
      try Self.makeDirectories(path)
      for sub in ["tmp", "new", "cur"] { try Self.makeDirectory(path + "/" + sub) }
    } catch {
      return .failure(error)
    }
    return .success(MaildirSession(path: path))
  }

  private static func makeDirectories(_ path: String) throws(MailTransportError) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
      prefix += component
      try makeDirectory(prefix)
      prefix += "/"
    }
  }

  private static func makeDirectory(_ path: String) throws(MailTransportError) {
    if mkdir(path, 0o700) == 0 { return }
    let failure = errno
    var info = stat()
    if failure == EEXIST, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return }
    throw MailTransportError(reason: "cannot make the folder \(path): \(errorText(failure))")
  }
}

/// One sender's deliveries into a Maildir.
public final class MaildirSession: MailSession {
  private let path: String
  private var counter = 0
  private var closed = false
  private let host: String
  private let pid: Int32

  init(path: String) {
    self.path = path
    self.pid = getpid()
    var name = [CChar](repeating: 0, count: 256)
    let raw =
      gethostname(&name, name.count - 1) == 0
      ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      : "localhost"
    // "/" and ":" cannot appear in the host part of a Maildir name (":" starts the info).
    self.host = raw.isEmpty ? "localhost" : Self.escapedHost(raw)
  }

  private static func escapedHost(_ host: String) -> String {
    var out = ""
    for scalar in host.unicodeScalars {
      switch scalar {
      case "/": out += "\\057"
      case ":": out += "\\072"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// True until `close()`.
  public var isUsable: Bool { !closed }

  /// Ends the session; later sends are temporary failures.
  public func close() { closed = true }

  /// Writes the message to `tmp/`, syncs it, renames it into `new/` and syncs the folder.
  /// A failure (a full disk, a missing folder) is temporary.
  public func send(_ message: MailMessage) -> DeliveryOutcome {
    guard !closed else { return .temporary("the Maildir session is closed") }
    var bytes = Array("Return-Path: <\(message.envelopeFrom.smtpForm)>\n".utf8)
    let crlf = message.bytes(eightBit: true)
    bytes.reserveCapacity(bytes.count + crlf.count)
    var index = 0
    while index < crlf.count {
      if crlf[index] == 13 && index + 1 < crlf.count && crlf[index + 1] == 10 {
        bytes.append(10)
        index += 2
      } else {
        bytes.append(crlf[index])
        index += 1
      }
    }
    counter += 1
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    let random = UInt64.random(in: 0...UInt64.max)
    let unique =
      "\(time.tv_sec).M\(time.tv_nsec / 1000)P\(pid)Q\(counter)R\(Hex.word(random)).\(host)"
    let temporary = path + "/tmp/" + unique
    let final = path + "/new/" + unique
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return .temporary("cannot create \(temporary): \(errorText(errno))") }
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { buffer -> Int in
        guard let base = buffer.baseAddress else { return 0 }
        return write(fd, base + offset, buffer.count - offset)
      }
      if written > 0 {
        offset += written
      } else if written < 0 && errno == EINTR {
        continue
      } else {
        let failure = errno
        Glibc.close(fd)
        unlink(temporary)
        return .temporary("cannot write \(temporary): \(errorText(failure))")
      }
    }
    if fsync(fd) != 0 {
      let failure = errno
      Glibc.close(fd)
      unlink(temporary)
      return .temporary("cannot sync \(temporary): \(errorText(failure))")
    }
    Glibc.close(fd)
    guard rename(temporary, final) == 0 else {
      let failure = errno
      unlink(temporary)
      return .temporary("cannot move the message into new/: \(errorText(failure))")
    }
    let directory = open(path + "/new", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directory >= 0 {
      fsync(directory)
      Glibc.close(directory)
    }
    return .delivered
  }
}

func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
