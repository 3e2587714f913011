import AlmedalenCore
import AlmedalenSeed
import AlmedalenStore
import Foundation
import KeyValueLog
import Postgres

#if canImport(Glibc)
  import Glibc
#endif

/// `almedalen`: the programme service's command line. See `almedalen help`.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
  try CommandLineTool(arguments: arguments).run()
  exit(0)
} catch let error as UsageError {
  Log.error(error.message)
  FileHandle.standardError.write(Data("\n\(CommandLineTool.usage)".utf8))
  exit(64)
} catch let error as StoreError {
  Log.error(error.description)
  exit(1)
} catch let error as PostgresError {
  Log.error(error.debugDescription)
  exit(1)
} catch {
  Log.error("\(error)")
  exit(1)
}
