import Foundation
import Testing
import TestPeers

/// The test suite's own way to wait for child processes (servers, Python peers, tools).
@Suite struct ChildProcessTests {
    private func start(_ script: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        return process
    }

    @Test func anExitCodeAndASignalAreReported() throws {
        #expect(ChildProcess.wait(try start("exit 3"), timeout: 30) == 3)
        let sleeper = try start("sleep 60")
        #expect(ChildProcess.wait(sleeper, timeout: 0.2) == nil, "still running")
        #expect(ChildProcess.stop(sleeper) == SIGTERM)
        #expect(ChildProcess.hasEnded(sleeper.processIdentifier))
    }

    @Test func aProcessIgnoringTermIsKilled() throws {
        let stubborn = try start("trap '' TERM; sleep 60 & wait")
        Thread.sleep(forTimeInterval: 0.2)
        #expect(ChildProcess.stop(stubborn, grace: 0.5) == SIGKILL)
    }
}
