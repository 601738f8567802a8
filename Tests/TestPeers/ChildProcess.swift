import Foundation

/// Waiting for a child process without Foundation's `waitUntilExit`, which on Linux now and then
/// never learns that a child has ended (the child stays a zombie, unreaped) and spins for good;
/// with two processors, two such waits stop every other test.
public enum ChildProcess {
    /// Whether `pid` has ended: gone, or a zombie that nobody has reaped yet.
    public static func hasEnded(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return true }
        // The state follows the command name, which is in parentheses and may hold either.
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state == "Z" || state == "X"
    }

    /// Waits up to `timeout` seconds for `process` to end and returns its status as
    /// `terminationStatus` has it (the exit code, or the signal that ended it); nil when it is still
    /// running then.
    @discardableResult
    public static func wait(_ process: Process, timeout: TimeInterval) -> Int32? {
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning { return process.terminationStatus }
            if hasEnded(pid) {
                // Ended: Foundation gets a second to notice, then the child is reaped here.
                let grace = Date().addingTimeInterval(1)
                while Date() < grace {
                    if !process.isRunning { return process.terminationStatus }
                    usleep(10_000)
                }
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    let signal = status & 0x7F
                    return signal == 0 ? (status >> 8) & 0xFF : signal
                }
                return process.isRunning ? nil : process.terminationStatus
            }
            usleep(10_000)
        }
        return nil
    }

    /// Ends `process`: SIGTERM, then SIGKILL if it is still running after `grace` seconds; its status.
    @discardableResult
    public static func stop(_ process: Process, grace: TimeInterval = 10) -> Int32? {
        guard !hasEnded(process.processIdentifier) else { return wait(process, timeout: 5) }
        kill(process.processIdentifier, SIGTERM)
        if let status = wait(process, timeout: grace) { return status }
        kill(process.processIdentifier, SIGKILL)
        return wait(process, timeout: 5)
    }
}
