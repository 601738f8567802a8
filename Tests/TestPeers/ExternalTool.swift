import Foundation

/// Runs a command with bytes on stdin, collecting its output in files so that no pipe can fill up and stall it.
public enum ExternalTool {
    public static let openssl = "/usr/bin/openssl"

    /// Runs the command and returns its stdout as text, failing the test when it exits with a non-zero status.
    public static func run(_ executable: String, _ arguments: [String], input: [UInt8] = []) throws -> String {
        let result = try runStatus(executable, arguments, input: input)
        guard result.status == 0 else {
            throw TestFailure(description: "\(executable) \(arguments.joined(separator: " ")) failed (exit status \(result.status)): \(result.stderr)")
        }
        return result.stdout
    }

    /// Runs the command and returns its exit status, stdout and stderr.
    public static func runStatus(_ executable: String, _ arguments: [String], input: [UInt8]) throws -> (status: Int32, stdout: String, stderr: String) {
        let files = FileManager.default
        let directory = files.temporaryDirectory.appendingPathComponent("dkim-tests-\(UUID().uuidString)")
        try files.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? files.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("stdin")
        let outputURL = directory.appendingPathComponent("stdout")
        let errorURL = directory.appendingPathComponent("stderr")
        try Data(input).write(to: inputURL)
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let standardInput = try FileHandle(forReadingFrom: inputURL)
        let standardOutput = try FileHandle(forWritingTo: outputURL)
        let standardError = try FileHandle(forWritingTo: errorURL)
        defer {
            try? standardInput.close()
            try? standardOutput.close()
            try? standardError.close()
        }
        process.standardInput = standardInput
        process.standardOutput = standardOutput
        process.standardError = standardError
        do {
            try process.run()
        } catch {
            throw TestFailure(description: "Cannot start \(executable): \(error)")
        }
        guard let status = ChildProcess.wait(process, timeout: 120) else {
            ChildProcess.stop(process, grace: 1)
            throw TestFailure(description: "\(executable) did not finish within 120 s")
        }
        return (status,
                String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
                String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
    }
}

/// A test's own failure with a message (a tool that would not run, a peer that said no).
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
