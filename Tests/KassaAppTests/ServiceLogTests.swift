import Foundation
import Synchronization
import Testing
@testable import KassaApp

@Suite struct ServiceLogTests {
    final class Sink: Sendable {
        let writes = Mutex<[String]>([])
        func write(_ text: String) { writes.withLock { $0.append(text) } }
        var lines: [String] { writes.withLock { $0.flatMap { $0.split(separator: "\n").map(String.init) } } }
    }

    @Test func linesAreWrittenTogetherInOrderAndAllOfThemAtStop() {
        let sink = Sink()
        // An interval no test waits for: only the size and `stop` write here.
        let log = ServiceLog(interval: .seconds(3_600)) { sink.write($0) }
        for i in 0..<100 { log.log("line \(i)") }
        #expect(sink.writes.withLock { $0.isEmpty })
        log.stop()
        #expect(sink.writes.withLock { $0.count } == 1)
        #expect(sink.lines == (0..<100).map { "line \($0)" })
        log.log("after")
        #expect(sink.lines.last == "after")
    }

    @Test func sixtyFourKilobytesAreWrittenAtOnce() {
        let sink = Sink()
        let log = ServiceLog(interval: .seconds(3_600)) { sink.write($0) }
        defer { log.stop() }
        let line = String(repeating: "ж", count: 500)  // 1,000 bytes
        for _ in 0..<70 { log.log(line) }
        #expect(sink.writes.withLock { $0.count } == 1)
        #expect(sink.lines.count == 66)
    }

    @Test func waitingLinesAreWrittenWithinTheInterval() async throws {
        let sink = Sink()
        let log = ServiceLog(interval: .milliseconds(20)) { sink.write($0) }
        defer { log.stop() }
        log.log("soon")
        for _ in 0..<500 where sink.lines.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sink.lines == ["soon"])
    }
}
