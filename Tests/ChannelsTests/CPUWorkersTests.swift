import Foundation
import Testing
@testable import Channels

@Suite struct CPUWorkersTests {
    struct Refused: Error, Equatable {}

    @Test func runsWorkAtALowerPriorityAndReturnsItsResult() async throws {
        let workers = CPUWorkers(count: 2, nice: 10)
        let (sum, nice) = try await workers.run { () throws(Refused) in
            ((1...1000).reduce(0, +), getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
        }
        #expect(sum == 500_500)
        #expect(nice == 10)
        // The caller's own thread keeps its priority.
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) < 10)
    }

    @Test func passesErrorsBackAndServesManyCallersAtOnce() async throws {
        let workers = CPUWorkers(count: 2)
        await #expect(throws: Refused.self) { try await workers.run { () throws(Refused) in throw Refused() } }
        let results = await withTaskGroup(of: Int.self) { group in
            for n in 0..<50 {
                group.addTask { (try? await workers.run { () throws(Refused) in n * n }) ?? -1 }
            }
            return await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(results == Set((0..<50).map { $0 * $0 }))
    }
}
