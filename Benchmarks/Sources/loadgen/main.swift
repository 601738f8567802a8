// loadgen: a small HTTP/1.1 load generator for loopback benchmarks of the service.
// Each of --connections threads keeps one keep-alive connection. Closed loop by default: the next
// request goes as soon as the answer is in. With --rate R the requests are spread on a fixed
// schedule of R per second over all connections (a bounded generator: latency counts from the
// scheduled time, so a slow answer is not hidden). `{n}` in the body or a header becomes a number
// unique to each request (event ids, idempotency keys).
//
//   loadgen --url http://127.0.0.1:8080/v1/templates/ID/preview --method POST
//           [--header 'Authorization: Bearer …'] [--body TEXT] [--connections 4] [--seconds 10]
//           [--warmup 1] [--rate R] [--json]
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

struct Options {
    var host = "127.0.0.1"
    var port: UInt16 = 8080
    var path = "/"
    var method = "GET"
    var headers: [String] = []
    var body = ""
    var connections = 4
    var seconds = 10.0
    var warmup = 1.0
    var json = false
    var rate: Double?
}

func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("loadgen: \(message)\n".utf8))
    exit(status)
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ name: String) -> String {
        guard let v = args.popFirst() else { fail("\(name) needs a value") }
        return v
    }
    while let arg = args.popFirst() {
        switch arg {
        case "--url":
            let url = value(arg)
            guard let c = URLComponents(string: url), c.scheme == "http", let host = c.host else { fail("--url must be http://HOST:PORT/PATH") }
            o.host = host
            o.port = UInt16(c.port ?? 80)
            o.path = c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath + (c.percentEncodedQuery.map { "?" + $0 } ?? "")
        case "--method": o.method = value(arg)
        case "--header": o.headers.append(value(arg))
        case "--body": o.body = value(arg)
        case "--connections": o.connections = Int(value(arg)) ?? 0
        case "--seconds": o.seconds = Double(value(arg)) ?? 0
        case "--warmup": o.warmup = Double(value(arg)) ?? -1
        case "--json": o.json = true
        case "--rate": o.rate = Double(value(arg))
        default: fail("unknown argument '\(arg)'")
        }
    }
    guard o.connections > 0, o.seconds > 0, o.warmup >= 0 else { fail("--connections, --seconds and --warmup must be positive") }
    return o
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// One keep-alive connection.
final class Connection {
    let fd: Int32
    var buffer = [UInt8]()

    init(host: String, port: UInt16) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { fail("socket: \(String(cString: strerror(errno)))", status: 1) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { fail("--url host must be an IPv4 address, not '\(host)'") }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { fail("cannot connect to \(host):\(port): \(String(cString: strerror(errno)))", status: 1) }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Where reads land; allocated once.
    private var chunk = [UInt8](repeating: 0, count: 65536)

    /// Reads one response; returns its status, or nil when the connection failed. Works on bytes,
    /// so that the generator spends little of the machine it shares with the service.
    func receive() -> Int? {
        var headerEnd: Int?
        var status = 0, length = 0
        while true {
            if headerEnd == nil, let end = find(CRLFCRLF) {
                headerEnd = end + 4
                guard let parsed = parseHead(end) else { return nil }
                (status, length) = parsed
            }
            if let end = headerEnd, buffer.count >= end + length {
                buffer.removeFirst(end + length)
                return status
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// The status and Content-Length of the head in `buffer[0..<end]`.
    private func parseHead(_ end: Int) -> (Int, Int)? {
        // "HTTP/1.1 202 …": the three digits after the first space.
        guard let space = buffer[0..<end].firstIndex(of: 0x20), space + 3 < end else { return nil }
        var status = 0
        for i in (space + 1)...(space + 3) {
            guard (0x30...0x39).contains(buffer[i]) else { return nil }
            status = status * 10 + Int(buffer[i] - 0x30)
        }
        var length = 0
        var line = 0
        while line < end {
            var next = line
            while next < end, buffer[next] != 0x0A { next += 1 }
            let name = CONTENT_LENGTH
            if next - line > name.count, (0..<name.count).allSatisfy({ buffer[line + $0] | 0x20 == name[$0] }) {
                for i in (line + name.count)..<next where (0x30...0x39).contains(buffer[i]) { length = length * 10 + Int(buffer[i] - 0x30) }
            }
            line = next + 1
        }
        return (status, length)
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        var i = 0
        while i <= buffer.count - needle.count {
            if buffer[i] == needle[0], buffer[i + 1] == needle[1], buffer[i + 2] == needle[2], buffer[i + 3] == needle[3] { return i }
            i += 1
        }
        return nil
    }
}

let CRLFCRLF: [UInt8] = [13, 10, 13, 10]
let CONTENT_LENGTH = Array("content-length:".utf8)

final class Results: @unchecked Sendable {
    // Safe: guarded by `lock`.
    let lock = NSLock()
    var latencies: [Double] = []
    var errors = 0
    var statuses: [Int: Int] = [:]
}

let options = parseOptions()
let head = "\(options.method) \(options.path) HTTP/1.1\r\nHost: \(options.host):\(options.port)\r\n"
    + options.headers.map { $0 + "\r\n" }.joined() + (options.body.isEmpty ? "" : "Content-Type: application/json\r\n")
let isTemplate = (head + options.body).contains("{n}")

/// The request, cut at each `{n}`: its bytes are the parts with the number between them.
let headParts = head.components(separatedBy: "{n}").map { Array($0.utf8) }
let bodyParts = options.body.components(separatedBy: "{n}").map { Array($0.utf8) }
let bodyFixedLength = bodyParts.reduce(0) { $0 + $1.count }

/// The request's bytes; `{n}` replaced by `n` when the request is a template (built from bytes: a
/// Foundation search and replace per request cost the generator more than the answer did).
func requestBytes(_ n: Int) -> [UInt8] {
    let digits = Array(String(n).utf8)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(head.utf8.count + options.body.utf8.count + 64)
    func join(_ parts: [[UInt8]]) {
        for (i, part) in parts.enumerated() {
            if i > 0 { bytes += digits }
            bytes += part
        }
    }
    join(headParts)
    bytes += Array("Content-Length: \(bodyFixedLength + digits.count * (bodyParts.count - 1))\r\n\r\n".utf8)
    join(bodyParts)
    return bytes
}
let fixedRequest = requestBytes(0)
// A prefix per run, so that two runs against the same service do not reuse each other's ids.
let runPrefix = Int(Date().timeIntervalSince1970) % 100_000 * 10_000_000

let results = Results()
let start = now()
let measureFrom = start + options.warmup
let stopAt = measureFrom + options.seconds
let group = DispatchGroup()
for index in 0..<options.connections {
    group.enter()
    Thread.detachNewThread {
        defer { group.leave() }
        let connection = Connection(host: options.host, port: options.port)
        var local: [Double] = []
        var localStatuses: [Int: Int] = [:]
        var errors = 0
        var sequence = 0
        // With --rate, this connection's share of the schedule: one request every `interval` seconds.
        let interval = options.rate.map { Double(options.connections) / $0 }
        var scheduled = start + (interval ?? 0) * Double(index) / Double(options.connections)
        while true {
            let wait = scheduled - now()
            if interval != nil, wait > 0 { usleep(useconds_t(wait * 1e6)) }
            let t0 = interval == nil ? now() : scheduled
            if t0 >= stopAt { break }
            let bytes = isTemplate ? requestBytes(runPrefix + index * 1_000_000 + sequence) : fixedRequest
            sequence += 1
            scheduled += interval ?? 0
            guard connection.send(bytes), let status = connection.receive() else { errors += 1; break }
            let t1 = now()
            if t0 >= measureFrom {
                local.append(t1 - t0)
                localStatuses[status, default: 0] += 1
            }
        }
        results.lock.withLock {
            results.latencies += local
            results.errors += errors
            results.statuses.merge(localStatuses, uniquingKeysWith: +)
        }
    }
}
group.wait()

let sorted = results.latencies.sorted()
guard !sorted.isEmpty else { fail("no request completed (errors: \(results.errors))", status: 1) }
func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)] * 1000 }
let rps = Double(sorted.count) / options.seconds
let okCount = results.statuses.filter { (200..<300).contains($0.key) }.values.reduce(0, +)
if options.json {
    let statuses = results.statuses.keys.sorted().map { "\"\($0)\": \(results.statuses[$0]!)" }.joined(separator: ", ")
    print("""
        {"requests": \(sorted.count), "errors": \(results.errors), "statuses": {\(statuses)}, "connections": \(options.connections), \
        "seconds": \(options.seconds), "requests_per_sec": \(String(format: "%.0f", rps)), \
        "latency_ms": {"p50": \(String(format: "%.3f", percentile(50))), "p90": \(String(format: "%.3f", percentile(90))), \
        "p99": \(String(format: "%.3f", percentile(99))), "p999": \(String(format: "%.3f", percentile(99.9))), "max": \(String(format: "%.3f", sorted.last! * 1000))}}
        """)
} else {
    print("\(options.method) \(options.path): \(sorted.count) requests in \(options.seconds) s on \(options.connections) connections, \(String(format: "%.0f", rps)) requests/s, \(okCount) answered 2xx, \(results.errors) errors")
    print(String(format: "latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f",
                 percentile(50), percentile(90), percentile(99), percentile(99.9), sorted.last! * 1000))
}
exit(okCount == sorted.count && results.errors == 0 ? 0 : 1)
