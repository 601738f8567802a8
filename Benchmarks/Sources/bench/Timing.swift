/// Throughput and parse-time measurement.
enum Timing {
    /// Seconds since an arbitrary start, from a monotonic clock.
    @inline(__always) static func now() -> ContinuousClock.Instant { ContinuousClock.now }

    @inline(__always) static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    /// One run: render in batches of 10 until at least `ms` milliseconds have passed (as
    /// bench_python.py does); returns renders per second. `sink` keeps the results alive.
    static func run(ms: Int, sink: inout Int, _ render: () throws -> String) rethrows -> Double {
        let budget = Double(ms) / 1000
        let start = now()
        var count = 0
        while true {
            for _ in 0..<10 { sink &+= try render().utf8.count }
            count += 10
            let elapsed = seconds(now() - start)
            if elapsed >= budget { return Double(count) / elapsed }
        }
    }

    /// Median time of one call in microseconds, each call timed on its own, over at least
    /// `minIterations` calls and at least `minMs` milliseconds.
    static func medianMicros(minIterations: Int, minMs: Int, _ body: () throws -> Any) rethrows -> Double {
        var samples: [Double] = []
        samples.reserveCapacity(minIterations * 2)
        let budget = Double(minMs) / 1000
        let start = now()
        var keep = 0
        while samples.count < minIterations || seconds(now() - start) < budget {
            let t0 = now()
            let r = try body()
            let t1 = now()
            samples.append(seconds(t1 - t0) * 1e6)
            withExtendedLifetime(r) { keep &+= 1 }
        }
        return median(samples)
    }

    static func median(_ xs: [Double]) -> Double {
        precondition(!xs.isEmpty)
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
