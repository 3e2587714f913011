import Glibc

/// Delivery into a Maildir (cr.yp.to/proto/maildir.html): written to `tmp/`, synced, then
/// renamed into `new/`, so a reader never sees half a message. Lines end in LF, as mail
/// readers (mutt, Python's mailbox) expect of files; the path is 8-bit clean.
public struct MaildirTransport: MailTransport {
  public let path: String

  public init(path: String) { self.path = path }

  public var description: String { "maildir:\(path)" }

  public func openSession() -> Result<any MailSession, MailTransportError> {
    for directory in [path, path + "/tmp", path + "/new", path + "/cur"] {
      if mkdir(directory, 0o700) != 0 && errno != EEXIST {
        return .failure(
          MailTransportError("cannot create \(directory): " + String(cString: strerror(errno))))
      }
    }
    return .success(MaildirSession(path: path))
  }
}

final class MaildirSession: MailSession {
  let path: String
  private var counter = 0

  init(path: String) { self.path = path }

  func send(_ message: MailMessage) -> DeliveryOutcome {
    counter += 1
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    var host = [UInt8](repeating: 0, count: 256)
    gethostname(&host, 255)
    let hostName = String(decoding: host.prefix { $0 != 0 }, as: UTF8.self).replacingSlashes
    let name =
      "\(time.tv_sec).M\(time.tv_nsec / 1000)P\(getpid())Q\(counter)R\(UInt32.random(in: 0...UInt32.max)).\(hostName)"
    let temporary = path + "/tmp/" + name
    var bytes = message.bytes(eightBit: true)
    bytes.removeAll(where: { $0 == 0x0D })
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      return .temporary("cannot create \(temporary): " + String(cString: strerror(errno)))
    }
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes {
        write(fd, $0.baseAddress! + offset, bytes.count - offset)
      }
      if written <= 0 && errno != EINTR {
        let error = String(cString: strerror(errno))
        Glibc.close(fd)
        unlink(temporary)
        return .temporary("cannot write \(temporary): \(error)")
      }
      offset += max(written, 0)
    }
    let synced = fsync(fd) == 0
    Glibc.close(fd)
    guard synced, rename(temporary, path + "/new/" + name) == 0 else {
      let error = String(cString: strerror(errno))
      unlink(temporary)
      return .temporary("cannot deliver into \(path)/new: \(error)")
    }
    return .delivered
  }

  func close() {}
}

extension String {
  var replacingSlashes: String {
    String(map { $0 == "/" || $0 == ":" ? "_" : $0 })
  }
}
