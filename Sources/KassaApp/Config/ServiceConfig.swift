import Channels
import Foundation
import TemplateEngine

/// A secret from the configuration: its text never reaches a log or a printout. A sealed one is
/// opened (with `ServiceConfig.openSecrets`) once the data folder, where the master key is, is known.
struct Secret: Sendable, Equatable, CustomStringConvertible {
    fileprivate(set) var value: String
    /// The sealed text and the field path it is bound to, until opened.
    fileprivate(set) var sealed: (text: String, context: String)?

    init(value: String) {
        self.value = value
    }

    fileprivate init(sealed: String, context: String) {
        value = ""
        self.sealed = (sealed, context)
    }

    var description: String { "<secret>" }

    static func == (a: Secret, b: Secret) -> Bool { a.value == b.value && a.sealed?.text == b.sealed?.text }
}

/// The service's configuration: a JSON file, then environment variables, then command-line options,
/// each overriding the one before. Secrets (provider credentials, DKIM keys) are never written in
/// plain text: a secret field holds `sealed:v1:…` (made by `kassa secret seal`, AES-256-GCM under the
/// master key, bound to the field's path) or `env:NAME` (read from the environment at start).
struct ServiceConfig: Sendable {
    struct Provider: Sendable {
        let name: String
        /// Plain settings (URLs, logins, sender names).
        var settings: [String: String] = [:]
        /// Opened secrets, by field.
        var secrets: [String: Secret] = [:]
    }

    struct DKIMKey: Sendable {
        let domain: String
        let selector: String
        let privateKey: Secret
    }

    var host = "127.0.0.1"
    var port = 8080
    var dataDirectory = "data"
    var baseTemplates = "BaseTemplates"
    var maxBodyBytes = 1 << 20
    /// The largest template part a partner may store.
    var maxTemplateBytes = 256 * 1024
    var providers: [String: Provider] = [:]
    var dkim: [DKIMKey] = []
    /// The address payers reach the service at, for the links it puts in messages (unsubscribe);
    /// `http://host:port` when not set. An https one is needed for one-click List-Unsubscribe headers.
    var publicURL: String?
    /// Quiet hours, partners' daily quotas and recipients' caps.
    var sending = SendingPolicy()
    /// Whether webhook endpoints may be on loopback and plain http: for tests and local development only.
    var webhooksAllowLoopback = false
    /// The file it was read from, if any, for messages.
    var file: String?

    /// The public URL the links use: the configured one, else the address the server listens on.
    var effectivePublicURL: String { publicURL ?? "http://\(host):\(port)" }

    /// Checks a public base URL and drops a trailing slash; the message says what is wrong.
    static func publicURL(_ text: String) throws(Problem) -> String {
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        guard url.utf8.count <= 200, url.utf8.allSatisfy({ (33...126).contains($0) && !"<>\",".utf8.contains($0) }),
              let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = components.host, !host.isEmpty, components.user == nil, components.password == nil,
              components.query == nil, components.fragment == nil
        else {
            throw Problem(message: "must be an absolute http(s) URL with a host and no query, such as \"https://kassa.apikassa.ru\", of at most 200 characters; not '\(text)'")
        }
        return url
    }

    /// A configuration file's problem: the file and the path of the field, and what is wrong.
    struct Problem: Error, CustomStringConvertible, Equatable {
        let message: String
        var description: String { message }
    }

    /// What each provider takes; `secret` fields must be sealed or come from the environment.
    static let providerFields: [String: (plain: [String], secret: [String])] = [
        "smtp": (["url", "tls", "username", "from", "connections"], ["password"]),
        "sms_ru": (["url", "sender", "test"], ["api_id"]),
        "viber": (["url", "sender"], ["api_key", "callback_key"]),
        "vk": (["url", "group_id"], ["token", "callback_secret"]),
    ]

    /// The configuration from `file` (when given) and `environment`. Sealed secrets stay sealed
    /// until `openSecrets`.
    static func load(file: String?, contents: [UInt8]?, environment: [String: String]) throws(Problem) -> ServiceConfig {
        var config = ServiceConfig()
        config.file = file
        if let file, let contents {
            let root: Value
            do {
                root = try Value(jsonBytes: contents)
            } catch {
                throw Problem(message: "\(file):\(error.line):\(error.column): error: \(error.message)")
            }
            let reader = Reader(file: file, environment: environment)
            try reader.read(root, into: &config)
        }
        if let host = environment["KASSA_HOST"] { config.host = host }
        if let port = environment["KASSA_PORT"] {
            guard let n = Int(port), (0...65535).contains(n) else {
                throw Problem(message: "KASSA_PORT must be a number from 0 to 65535, not '\(port)'")
            }
            config.port = n
        }
        if let dir = environment["KASSA_DATA_DIR"] { config.dataDirectory = dir }
        if let dir = environment["KASSA_BASE_TEMPLATES"] { config.baseTemplates = dir }
        if let url = environment["KASSA_PUBLIC_URL"] {
            do {
                config.publicURL = try publicURL(url)
            } catch {
                throw Problem(message: "KASSA_PUBLIC_URL \(error.message)")
            }
        }
        return config
    }

    /// Whether a secret is sealed, so that the master key is needed.
    var hasSealedSecrets: Bool {
        providers.values.contains { $0.secrets.values.contains { $0.sealed != nil } } || dkim.contains { $0.privateKey.sealed != nil }
    }

    /// Opens every sealed secret with the master key.
    mutating func openSecrets(with box: SecretBox) throws(Problem) {
        func open(_ secret: inout Secret, _ path: String) throws(Problem) {
            guard let (text, context) = secret.sealed else { return }
            do {
                secret.value = try box.open(text, context: context)
                secret.sealed = nil
            } catch {
                throw Problem(message: "\(file.map { $0 + ": " } ?? "")\(path): error: cannot open the sealed secret: \(error) (was it sealed with --context \(context) under this master key?)")
            }
        }
        for name in providers.keys.sorted() {
            for key in providers[name]!.secrets.keys.sorted() {
                try open(&providers[name]!.secrets[key]!, "providers.\(name).\(key)")
            }
        }
        for i in dkim.indices {
            var key = dkim[i].privateKey
            try open(&key, "dkim[\(i)].private_key")
            dkim[i] = DKIMKey(domain: dkim[i].domain, selector: dkim[i].selector, privateKey: key)
        }
    }

    /// The configuration as JSON, secrets shown only as set.
    var json: Value {
        var o = ValueObject()
        o["server"] = ["host": .string(host), "port": .int(port), "data_dir": .string(dataDirectory), "max_body_bytes": .int(maxBodyBytes),
                       "public_url": .string(effectivePublicURL)]
        o["base_templates"] = .string(baseTemplates)
        o["limits"] = ["template_bytes": .int(maxTemplateBytes)]
        o["providers"] = .object(ValueObject(providers.keys.sorted().map { name in
            let p = providers[name]!
            var fields = ValueObject(p.settings.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
            for key in p.secrets.keys.sorted() { fields[key] = "<secret>" }
            return (name, .object(fields))
        }))
        o["dkim"] = .array(dkim.map { ["domain": .string($0.domain), "selector": .string($0.selector), "private_key": "<secret>"] })
        o["webhooks"] = ["allow_loopback": .bool(webhooksAllowLoopback)]
        func counts(_ limits: [ChannelKind: Int]) -> Value {
            .object(ValueObject(ChannelKind.allCases.compactMap { kind in limits[kind].map { (kind.rawValue, .int($0)) } }))
        }
        o["sending"] = ["quiet_hours": .string(sending.quietHours?.description ?? "off"), "partner_daily": counts(sending.partnerDaily),
                        "recipient_hourly": counts(sending.recipientHourly), "recipient_daily": counts(sending.recipientDaily)]
        return .object(o)
    }
}

/// Walks a configuration document, naming the path of every field it complains about.
private struct Reader {
    let file: String
    let environment: [String: String]

    private func problem(_ path: String, _ message: String) -> ServiceConfig.Problem {
        ServiceConfig.Problem(message: "\(file): \(path.isEmpty ? "" : path + ": ")error: \(message)")
    }

    private func object(_ value: Value, _ path: String, keys: [String]) throws(ServiceConfig.Problem) -> ValueObject {
        guard case .object(let o) = value else { throw problem(path, "must be an object") }
        for (key, _) in o.pairs where !keys.contains(key) {
            throw problem(path.isEmpty ? key : "\(path).\(key)", "unknown setting\(suggestion(for: key, among: keys)); known here: \(keys.joined(separator: ", "))")
        }
        return o
    }

    private func string(_ value: Value, _ path: String) throws(ServiceConfig.Problem) -> String {
        guard case .string(let s) = value else { throw problem(path, "must be a string") }
        return s
    }

    private func boolean(_ value: Value, _ path: String) throws(ServiceConfig.Problem) -> Bool {
        guard case .bool(let b) = value else { throw problem(path, "must be true or false") }
        return b
    }

    private func integer(_ value: Value, _ path: String, _ range: ClosedRange<Int>) throws(ServiceConfig.Problem) -> Int {
        guard case .int(let n) = value, range.contains(n) else {
            throw problem(path, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// A secret field: `sealed:v1:…` (bound to `context`, the field's path unless said), or `env:NAME`.
    private func secret(_ value: Value, _ path: String, context: String? = nil) throws(ServiceConfig.Problem) -> Secret {
        let text = try string(value, path)
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard let found = environment[name], !found.isEmpty else { throw problem(path, "the environment variable \(name) is not set") }
            return Secret(value: found)
        }
        guard text.hasPrefix("sealed:") else {
            throw problem(path, "a secret is never written in plain text: seal it with `kassa secret seal --context \(path.hasPrefix("dkim") ? "dkim.private_key" : path)` or write env:VARIABLE")
        }
        return Secret(sealed: String(text.dropFirst(7)), context: context ?? path)
    }

    /// Sends per channel: an object of channel names and whole numbers, each replacing the default.
    private func counts(_ value: Value, _ path: String, into limits: inout [ChannelKind: Int]) throws(ServiceConfig.Problem) {
        for (key, count) in try object(value, path, keys: ChannelKind.allCases.map(\.rawValue)).pairs {
            limits[ChannelKind(rawValue: key)!] = try integer(count, "\(path).\(key)", 0...100_000_000)
        }
    }

    private func read(_ value: Value, into sending: inout SendingPolicy) throws(ServiceConfig.Problem) {
        let o = try object(value, "sending", keys: ["quiet_hours", "partner_daily", "recipient_hourly", "recipient_daily"])
        if let v = o["quiet_hours"] {
            let text = try string(v, "sending.quiet_hours")
            if text == "off" {
                sending.quietHours = nil
            } else {
                do {
                    sending.quietHours = try QuietHours(parsing: text)
                } catch {
                    throw problem("sending.quiet_hours", error.message)
                }
            }
        }
        if let v = o["partner_daily"] { try counts(v, "sending.partner_daily", into: &sending.partnerDaily) }
        if let v = o["recipient_hourly"] { try counts(v, "sending.recipient_hourly", into: &sending.recipientHourly) }
        if let v = o["recipient_daily"] { try counts(v, "sending.recipient_daily", into: &sending.recipientDaily) }
    }

    func read(_ root: Value, into config: inout ServiceConfig) throws(ServiceConfig.Problem) {
        let top = try object(root, "", keys: ["server", "base_templates", "limits", "providers", "dkim", "webhooks", "sending"])
        if let server = top["server"] {
            let o = try object(server, "server", keys: ["host", "port", "data_dir", "max_body_bytes", "public_url"])
            if let v = o["host"] { config.host = try string(v, "server.host") }
            if let v = o["port"] { config.port = try integer(v, "server.port", 0...65535) }
            if let v = o["data_dir"] { config.dataDirectory = try string(v, "server.data_dir") }
            if let v = o["max_body_bytes"] { config.maxBodyBytes = try integer(v, "server.max_body_bytes", 1024...(64 << 20)) }
            if let v = o["public_url"] {
                let text = try string(v, "server.public_url")
                do {
                    config.publicURL = try ServiceConfig.publicURL(text)
                } catch {
                    throw problem("server.public_url", error.message)
                }
            }
        }
        if let sending = top["sending"] {
            try read(sending, into: &config.sending)
        }
        if let v = top["base_templates"] { config.baseTemplates = try string(v, "base_templates") }
        if let limits = top["limits"] {
            let o = try object(limits, "limits", keys: ["template_bytes"])
            if let v = o["template_bytes"] { config.maxTemplateBytes = try integer(v, "limits.template_bytes", 1024...(4 << 20)) }
        }
        if let webhooks = top["webhooks"] {
            let o = try object(webhooks, "webhooks", keys: ["allow_loopback"])
            if let v = o["allow_loopback"] { config.webhooksAllowLoopback = try boolean(v, "webhooks.allow_loopback") }
        }
        if let providers = top["providers"] {
            let names = ServiceConfig.providerFields.keys.sorted()
            for (name, value) in try object(providers, "providers", keys: names).pairs {
                let (plain, secrets) = ServiceConfig.providerFields[name]!
                var provider = ServiceConfig.Provider(name: name)
                for (key, field) in try object(value, "providers.\(name)", keys: plain + secrets).pairs {
                    let path = "providers.\(name).\(key)"
                    if secrets.contains(key) {
                        provider.secrets[key] = try secret(field, path)
                    } else {
                        provider.settings[key] = try string(field, path)
                    }
                }
                config.providers[name] = provider
            }
        }
        if let dkim = top["dkim"] {
            guard case .array(let keys) = dkim else { throw problem("dkim", "must be a list of {domain, selector, private_key}") }
            for (i, entry) in keys.enumerated() {
                let path = "dkim[\(i)]"
                let o = try object(entry, path, keys: ["domain", "selector", "private_key"])
                guard let domain = o["domain"], let selector = o["selector"], let key = o["private_key"] else {
                    throw problem(path, "needs domain, selector and private_key")
                }
                config.dkim.append(ServiceConfig.DKIMKey(domain: try string(domain, path + ".domain"), selector: try string(selector, path + ".selector"),
                                                         privateKey: try secret(key, path + ".private_key", context: "dkim.private_key")))
            }
        }
    }
}
