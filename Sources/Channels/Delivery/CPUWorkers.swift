import Dispatch
import Foundation
import Synchronization

/// Threads for CPU-heavy work (building and DKIM-signing e-mail) at a lower scheduling priority
/// (nice 10), so that the threads waiting on a provider's reply, and the service's event loop, run
/// as soon as they have something to do instead of queueing behind a millisecond of RSA.
///
/// ```swift
/// let bytes = try await CPUWorkers.shared.run { try EmailAdapter.wire(email, signer: signer) }
/// ```
public final class CPUWorkers: Sendable {
    /// One worker per processor.
    public static let shared = CPUWorkers(count: ProcessInfo.processInfo.activeProcessorCount)

    private let queue = Mutex<[@Sendable () -> Void]>([])
    private let available = DispatchSemaphore(value: 0)

    public init(count: Int, nice: Int32 = 10) {
        for index in 0..<max(1, count) {
            let thread = Thread { [self] in
                // On Linux the nice value belongs to the thread (who 0 is the calling one), and raising it needs no privilege.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
                while true {
                    available.wait()
                    guard let job = queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
                    job()
                }
            }
            thread.name = "kassa-cpu-\(index)"
            thread.start()
        }
    }

    /// Runs `work` on a worker and returns what it returned or threw.
    public func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            queue.withLock { $0.append { continuation.resume(returning: Result { () throws(E) in try work() }) } }
            available.signal()
        }
        return try result.get()
    }
}
