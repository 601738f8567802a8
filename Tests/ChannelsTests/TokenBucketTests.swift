import Synchronization
import Testing
@testable import Channels

@Suite struct TokenBucketTests {
    /// A clock the test moves by hand.
    final class ManualTime: Sendable {
        private let now = Mutex<Duration>(.zero)
        func advance(_ d: Duration) { now.withLock { $0 += d } }
        var read: @Sendable () -> Duration { { self.now.withLock { $0 } } }
    }

    @Test func aBurstThenTheRate() {
        let time = ManualTime()
        let bucket = TokenBucket(perSecond: 20, burst: 3, now: time.read)
        #expect(bucket.take() == nil)
        #expect(bucket.take() == nil)
        #expect(bucket.take() == nil)
        // Empty: the next token comes in 1/20 s.
        #expect(bucket.take() == .milliseconds(50))
        time.advance(.milliseconds(25))
        #expect(bucket.take() == .milliseconds(25))
        time.advance(.milliseconds(25))
        #expect(bucket.take() == nil)
        // A long pause refills only up to the burst.
        time.advance(.seconds(60))
        for _ in 0..<3 { #expect(bucket.take() == nil) }
        #expect(bucket.take() != nil)
    }

    @Test func failuresDescribeThemselvesWithoutSecrets() {
        let failure = DeliveryFailure(.retryable(after: .seconds(30)), code: "451 4.3.0", reason: "Try later")
        #expect(failure.description == "retryable failure (451 4.3.0): Try later (try again in 30.0 seconds)")
        #expect(!failure.isPermanent)
        #expect(DeliveryFailure(.permanent, reason: "No such user").description == "permanent failure: No such user")
        #expect(DeliveryStatus.allCases.filter(\.isFinal) == [.read, .failed, .expired])
    }
}
