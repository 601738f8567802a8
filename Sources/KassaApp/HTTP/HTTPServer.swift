import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import TemplateEngine

/// The HTTP server on SwiftNIO: it parses HTTP/1.1 (NIO's parser, never ours), bounds request
/// sizes, runs each request's handler as a task on its connection's event loop, and logs one JSON
/// line per request.
///
/// Handlers run on the event loop, not the cooperative pool: they are short, never wait on the
/// network (a DNS lookup goes to a thread of its own), and await the database's writer thread
/// without holding the loop. A request then crosses two threads (loop, writer, loop) instead of
/// four, and the loops are not left waiting for the pool.
final class HTTPServer: Sendable {
    let router: Router
    let maxBodyBytes: Int
    let log: @Sendable (String) -> Void
    private let group: MultiThreadedEventLoopGroup
    /// The executor of each event loop, for the tasks that handle its connections' requests.
    private let executors: [ObjectIdentifier: EventLoopExecutor]
    private let channel: Mutex<(any Channel)?> = Mutex(nil)
    private let inFlight = Mutex(0)

    init(router: Router, maxBodyBytes: Int = 1 << 20, threads: Int = System.coreCount, log: @escaping @Sendable (String) -> Void) {
        self.router = router
        self.maxBodyBytes = maxBodyBytes
        self.log = log
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        var executors: [ObjectIdentifier: EventLoopExecutor] = [:]
        for loop in group.makeIterator() { executors[ObjectIdentifier(loop)] = EventLoopExecutor(loop) }
        self.executors = executors
    }

    /// The executor that runs tasks on `loop` (nil for a loop not the server's).
    func executor(for loop: any EventLoop) -> EventLoopExecutor? {
        executors[ObjectIdentifier(loop)]
    }

    /// Binds and starts accepting; returns the bound address (port 0 picks a free port).
    func start(host: String, port: Int) async throws -> (host: String, port: Int) {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(server: self))
                }
            }
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
        let bound = try await bootstrap.bind(host: host, port: port).get()
        channel.withLock { $0 = bound }
        return (host, bound.localAddress?.port ?? port)
    }

    /// Stops accepting, waits (up to `timeout`) for requests in flight, then stops the event loops.
    func shutdown(timeout: Duration = .seconds(30)) async {
        let listening = channel.withLock { current in
            defer { current = nil }
            return current
        }
        try? await listening?.close().get()
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while inFlight.withLock({ $0 }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        try? await group.shutdownGracefully()
    }

    func begin() { inFlight.withLock { $0 += 1 } }
    func end() { inFlight.withLock { $0 -= 1 } }
}

/// Collects one request (head, bounded body) and writes the router's response.
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: HTTPServer
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false

    init(server: HTTPServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = nil
            tooLarge = false
            if let length = h.headers.first(name: "content-length").flatMap(Int.init), length > server.maxBodyBytes {
                tooLarge = true
            }
        case .body(var chunk):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > server.maxBodyBytes {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let started = ContinuousClock.now
            if tooLarge {
                server.begin()
                let response = APIError(413, "too_large", "The request body is larger than \(server.maxBodyBytes) bytes").response
                write(response, head: head, keepAlive: false, context: context, started: started)
                return
            }
            let request = HTTPRequest(method: head.method.rawValue, uri: head.uri,
                                      headers: head.headers.map { ($0.name, $0.value) },
                                      body: body.map { Array($0.readableBytesView) } ?? [])
            body = nil
            let keepAlive = head.isKeepAlive
            let loop = context.eventLoop
            let bound = NIOLoopBound(context, eventLoop: loop)
            let handler = NIOLoopBound(self, eventLoop: loop)
            let router = server.router
            server.begin()
            Task(executorPreference: server.executor(for: loop)) {
                let response = await router.respond(to: request)
                loop.execute {
                    handler.value.write(response, head: head, keepAlive: keepAlive, context: bound.value, started: started)
                }
            }
        }
    }

    private func write(_ response: HTTPResponse, head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext,
                       started: ContinuousClock.Instant) {
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let server = self.server
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in server.end() }
        if !keepAlive { context.close(promise: nil) }
        // One JSON line per request; the path without its query, never a header (tokens stay out of logs).
        let line: Value = ["ts": .string(StoredTime.text(Date())), "level": "info", "msg": "request",
                           "method": .string(head.method.rawValue), "path": .string(String(head.uri.prefix { $0 != "?" })),
                           "status": .int(response.status), "duration_ms": .double((milliseconds * 100).rounded() / 100)]
        server.log(line.jsonString)
    }
}

/// Runs a task's jobs on one event loop.
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
