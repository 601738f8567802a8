import Foundation

/// Where a command writes: results to `out`, diagnostics to `err`; tests capture both.
public final class Console: @unchecked Sendable {
    // Safe: a console is used by one command at a time, from one task.
    private let writeOut: (String) -> Void
    private let writeErr: (String) -> Void
    private let readInput: () -> Data
    /// The environment variables the command sees (the process's, or a test's).
    let environment: [String: String]

    public init(out: @escaping (String) -> Void, err: @escaping (String) -> Void, input: @escaping () -> Data,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        writeOut = out
        writeErr = err
        readInput = input
        self.environment = environment
    }

    /// The process's standard output, error and input.
    public static let standard = Console(
        out: { FileHandle.standardOutput.write(Data($0.utf8)) },
        err: { FileHandle.standardError.write(Data($0.utf8)) },
        input: { FileHandle.standardInput.readDataToEndOfFile() })

    public func print(_ text: String) { writeOut(text + "\n") }
    public func write(_ text: String) { writeOut(text) }
    public func error(_ text: String) { writeErr(text + "\n") }

    /// Reads a file argument; `-` reads standard input.
    func read(_ path: String) throws -> Data {
        if path == "-" { return readInput() }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure("cannot read '\(path)': \(describeIOError(error))")
        }
    }
}

func describeIOError(_ error: any Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
       let message = strerror(Int32(underlying.code)) {
        return String(cString: message)
    }
    if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError { return "no such file" }
    return ns.localizedDescription
}

/// A command could not do what it was asked: exit 1 with this message.
struct CommandFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The command line was wrong: exit 2 with this message and the usage.
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
