import Dispatch
import Foundation
import TemplateEngine

/// `kassa serve [--host H] [--port P] [--data-dir DIR] [--demo]`: the HTTP service. Prints one line
/// `listening on http://HOST:PORT` when ready; SIGTERM or SIGINT stops accepting, lets requests in
/// flight finish, and exits 0. `--demo`, on a new data folder only, creates a demo partner and a
/// moderator and prints their tokens once, to the terminal (never to the log).
enum ServeCommand {
    static func run(_ words: [String], console: Console) async throws -> Int32 {
        let args = try Arguments(words, options: ["host", "port", "data-dir"], flags: ["demo"])
        _ = try args.expectPositional([])
        let host = args.option("host") ?? "127.0.0.1"
        guard let port = Int(args.option("port") ?? "8080"), (0...65535).contains(port) else {
            throw UsageError("--port must be a number from 0 to 65535")
        }
        let dataDir = URL(fileURLWithPath: args.option("data-dir") ?? "data")
        let isNew = !FileManager.default.fileExists(atPath: dataDir.appendingPathComponent("kassa.sqlite").path)
        let store: SQLiteStore
        do {
            store = try SQLiteStore(dataDirectory: dataDir)
        } catch let error as SQLiteError {
            throw CommandFailure("cannot open the data folder '\(dataDir.path)': \(error.message)")
        }
        if args.flag("demo") {
            if isNew {
                let (partner, live, sandbox) = try store.createPartner(name: "Демо-партнёр")
                let (moderator, moderatorToken) = try store.createModerator(login: "moderator")
                console.print("""
                    demo partner \(partner.id)
                      live token:    \(live.secret)
                      sandbox token: \(sandbox.secret)
                    demo moderator \(moderator.login)
                      token:         \(moderatorToken.secret)
                    (shown once; the data folder keeps only their hashes)
                    """)
            } else {
                console.error("--demo: '\(dataDir.path)' already has data; no demo accounts created")
            }
        }
        let server = HTTPServer(router: KassaAPI.router(store: store), log: { console.error($0) })
        let address: (host: String, port: Int)
        do {
            address = try await server.start(host: host, port: port)
        } catch {
            await server.shutdown(timeout: .zero)
            throw CommandFailure("cannot listen on \(host):\(port): \(error)")
        }
        console.print("listening on http://\(address.host):\(address.port)")
        await waitForTerminationSignal()
        console.error(#"{"level":"info","msg":"shutting down: no new connections, finishing requests in flight"}"#)
        await server.shutdown()
        return 0
    }

    /// Suspends until SIGTERM or SIGINT arrives.
    static func waitForTerminationSignal() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiter = SignalWaiter(continuation)
            for sig in [SIGTERM, SIGINT] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                // The handler holds the waiter, which holds the sources: they live until a signal comes.
                source.setEventHandler { waiter.fire() }
                waiter.add(source)
                source.resume()
            }
        }
    }
}

/// Resumes its continuation once, at the first signal, then lets its signal sources go.
private final class SignalWaiter: @unchecked Sendable {
    // Safe: both fields are only touched with `lock` held.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var sources: [any DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<Void, Never>) {
        self.continuation = continuation
    }

    func add(_ source: any DispatchSourceSignal) {
        lock.withLock { sources.append(source) }
    }

    func fire() {
        let resume: CheckedContinuation<Void, Never>? = lock.withLock {
            defer { continuation = nil }
            return continuation
        }
        resume?.resume()
    }
}
