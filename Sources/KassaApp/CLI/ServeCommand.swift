import Dispatch
import Foundation
import TemplateEngine

/// `kassa serve [--host H] [--port P] [--data-dir DIR] [--config FILE] [--base-templates DIR] [--demo]`:
/// the HTTP service. Prints one line `listening on http://HOST:PORT` when ready; SIGTERM or SIGINT
/// stops accepting, lets requests in flight finish, and exits 0. `--demo`, on a new data folder
/// only, creates a demo partner and a moderator and prints their tokens once, to the terminal
/// (never to the log).
enum ServeCommand {
    static let options: Set<String> = ["host", "port", "data-dir", "config", "base-templates"]

    static func run(_ words: [String], console: Console) async throws -> Int32 {
        let args = try Arguments(words, options: options, flags: ["demo"])
        _ = try args.expectPositional([])
        let config = try configuration(args, console: console)
        let dataDir = URL(fileURLWithPath: config.dataDirectory)
        let isNew = !FileManager.default.fileExists(atPath: dataDir.appendingPathComponent("kassa.sqlite").path)
        let base = try baseTemplates(config)
        let store = try AccountCommands.openStore(at: dataDir)
        if args.flag("demo") {
            if isNew {
                let (partner, live, sandbox) = try store.createPartner(name: "Демо-партнёр")
                // The hosts of the events' sample data, so that the sample event is accepted as it is.
                for host in LinkHosts.hosts(inSamplesOf: EventCatalog.all) { try store.addLinkHost(host, partnerID: partner.id) }
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
        let channels: ChannelSet
        do {
            channels = try ChannelSet.live(config)
        } catch let problem as ServiceConfig.Problem {
            throw CommandFailure(problem.message)
        }
        let metrics = Metrics()
        let urlGuard = WebhookURLGuard(allowLoopback: config.webhooksAllowLoopback)
        if config.webhooksAllowLoopback {
            console.error(#"{"level":"warning","msg":"webhooks.allow_loopback is on: webhook endpoints may be on this machine and plain http; never in production"}"#)
        }
        let log = ServiceLog { console.error($0) }
        defer { log.stop() }
        let webhooks = WebhookDispatcher(store: store, box: try masterKey(dataDirectory: config.dataDirectory, console: console),
                                         sender: WebhookSender(urlGuard: urlGuard), log: { log.log($0) })
        let unsubscribe = UnsubscribeLinks(baseURL: config.effectivePublicURL, box: webhooks.box)
        if !config.effectivePublicURL.lowercased().hasPrefix("https://") {
            console.error(#"{"level":"warning","msg":"server.public_url is not https: reminders carry a visible unsubscribe link but no one-click List-Unsubscribe headers"}"#)
        }
        let dispatcher = OutboxDispatcher(store: store, live: channels, metrics: metrics, policy: config.sending, unsubscribe: unsubscribe,
                                          log: { log.log($0) }, webhooksQueued: { webhooks.wake() })
        var router = KassaAPI.router(store: store, base: base, limits: .init(maxTemplateBytes: config.maxTemplateBytes), metrics: metrics,
                                     webhooks: WebhookSettings(box: webhooks.box, urlGuard: urlGuard, queued: { webhooks.wake() }),
                                     eventAccepted: { webhooksQueued in
                                         dispatcher.wake()
                                         if webhooksQueued { webhooks.wake() }
                                     },
                                     channels: channels, deliveryReport: { report, channel in try await dispatcher.apply(report, on: channel) },
                                     sending: config.sending, unsubscribe: unsubscribe)
        router.log = { log.log($0) }
        let server = HTTPServer(router: router, maxBodyBytes: config.maxBodyBytes, log: { log.log($0) })
        let termination = TerminationSignal()
        let address: (host: String, port: Int)
        do {
            address = try await server.start(host: config.host, port: config.port)
        } catch {
            await server.shutdown(timeout: .zero)
            throw CommandFailure("cannot listen on \(config.host):\(config.port): \(error)")
        }
        console.print("listening on http://\(address.host):\(address.port)")
        let dispatching = Task { await dispatcher.run() }
        let sendingWebhooks = Task { await webhooks.run() }
        let pruningKeys = Task { await Idempotency.run(store, clock: store.clock, log: { log.log($0) }) }
        await termination.wait()
        log.log(#"{"level":"info","msg":"shutting down: no new connections, finishing requests in flight"}"#)
        await server.shutdown()
        dispatching.cancel()
        dispatcher.wake()
        sendingWebhooks.cancel()
        pruningKeys.cancel()
        webhooks.wake()
        await dispatching.value
        await sendingWebhooks.value
        return 0
    }

    /// The configuration: the file (`--config`, else `KASSA_CONFIG`), then the environment, then the
    /// command line; sealed secrets opened with the master key of the data folder.
    static func configuration(_ args: Arguments, console: Console) throws -> ServiceConfig {
        let file = args.option("config") ?? console.environment["KASSA_CONFIG"]
        var config: ServiceConfig
        do {
            config = try ServiceConfig.load(file: file, contents: try file.map { [UInt8](try console.read($0)) },
                                            environment: console.environment)
        } catch let problem as ServiceConfig.Problem {
            throw CommandFailure(problem.message)
        }
        if let host = args.option("host") { config.host = host }
        if let port = args.option("port") {
            guard let n = Int(port), (0...65535).contains(n) else { throw UsageError("--port must be a number from 0 to 65535") }
            config.port = n
        }
        if let dir = args.option("data-dir") { config.dataDirectory = dir }
        if let dir = args.option("base-templates") { config.baseTemplates = dir }
        if config.hasSealedSecrets {
            do {
                try config.openSecrets(with: try masterKey(dataDirectory: config.dataDirectory, console: console))
            } catch let problem as ServiceConfig.Problem {
                throw CommandFailure(problem.message)
            }
        }
        return config
    }

    /// The base template library the configuration names, loaded and checked.
    static func baseTemplates(_ config: ServiceConfig) throws -> BaseTemplateLibrary {
        do {
            return try BaseTemplateLibrary(directory: URL(fileURLWithPath: config.baseTemplates))
        } catch let error as BaseTemplateLibrary.LoadError {
            throw CommandFailure("\(error)")
        }
    }

    /// The master key: `KASSA_MASTER_KEY`, else `master.key` in the data folder (made when missing).
    static func masterKey(dataDirectory: String, console: Console) throws -> SecretBox {
        do {
            return try SecretBox.load(environment: console.environment,
                                      file: URL(fileURLWithPath: dataDirectory).appendingPathComponent("master.key"))
        } catch let failure as SecretBox.Failure {
            throw CommandFailure("the master key: \(failure.message)")
        }
    }
}

/// SIGTERM and SIGINT, caught from the moment it is made: made before the server says it is
/// listening, so that a signal sent as soon as it does (as supervisors and tests do) is never lost
/// between ignoring the signal's default action and the handler taking over.
final class TerminationSignal: @unchecked Sendable {
    // Safe: every field is only touched with `lock` held.
    private let lock = NSLock()
    private var arrived = false
    private var continuation: CheckedContinuation<Void, Never>?
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.fire() }
            sources.append(source)
            source.resume()
        }
    }

    /// Suspends until a signal has arrived (at once, if one already has).
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if arrived { return true }
                self.continuation = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func fire() {
        let resume: CheckedContinuation<Void, Never>? = lock.withLock {
            arrived = true
            defer { continuation = nil }
            return continuation
        }
        resume?.resume()
    }
}
