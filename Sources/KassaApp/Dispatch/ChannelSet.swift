import Channels
import Foundation

/// The adapters the dispatcher sends through, by channel, and what e-mail needs besides (our
/// sending address). A channel with no provider configured has no adapter: its messages fail
/// permanently and the cascade moves on.
struct ChannelSet: Sendable {
    var adapters: [ChannelKind: any ChannelAdapter] = [:]
    /// Our sending address; the partner's name is its display name.
    var emailFrom = "noreply@apikassa.ru"
    /// What the providers' callbacks are checked with.
    var smsRu: SMSRuConfiguration?
    var viber: ViberAdapter?

    /// The adapters the configuration's providers describe.
    static func live(_ config: ServiceConfig) throws -> ChannelSet {
        var set = ChannelSet()
        func problem(_ provider: String, _ message: String) -> ServiceConfig.Problem {
            ServiceConfig.Problem(message: "\(config.file.map { $0 + ": " } ?? "")providers.\(provider): error: \(message)")
        }
        if let smtp = config.providers["smtp"], let url = smtp.settings["url"] {
            let tls = smtp.settings["tls"].flatMap(SMTPConfiguration.TLS.init(rawValue:))
            let configuration: SMTPConfiguration
            do {
                configuration = try SMTPConfiguration(url: url, tls: tls, username: smtp.settings["username"], password: smtp.secrets["password"]?.value)
            } catch {
                throw problem("smtp", "\(error)")
            }
            let from = smtp.settings["from"] ?? set.emailFrom
            let domain = from.split(separator: "@").last.map(String.init) ?? ""
            let signer = try config.dkim.first { $0.domain == domain }.map { key in
                do {
                    return try DKIMSigner(domain: key.domain, selector: key.selector, privateKeyPEM: key.privateKey.value)
                } catch {
                    throw problem("smtp", "the DKIM key for \(key.domain) is unusable: \(error)")
                }
            }
            do {
                set.adapters[.email] = try EmailAdapter(smtp: configuration, connections: Int(smtp.settings["connections"] ?? "") ?? 4,
                                                        dkim: signer, envelopeSender: from)
            } catch {
                throw problem("smtp", "\(error)")
            }
            set.emailFrom = from
        }
        if let sms = config.providers["sms_ru"], let apiID = sms.secrets["api_id"]?.value {
            do {
                let configuration = try SMSRuConfiguration(apiID: apiID, from: sms.settings["sender"], test: sms.settings["test"] == "true",
                                                           baseURL: sms.settings["url"] ?? "https://sms.ru")
                set.adapters[.sms] = SMSRuAdapter(configuration)
                set.smsRu = configuration
            } catch {
                throw problem("sms_ru", "\(error)")
            }
        }
        if let viber = config.providers["viber"], let key = viber.secrets["api_key"]?.value, let sender = viber.settings["sender"] {
            let adapter = ViberAdapter(configuration: ViberConfiguration(
                apiKey: ProviderSecret(key), sender: sender, baseURL: viber.settings["url"] ?? ViberConfiguration.defaultBaseURL,
                callbackKey: viber.secrets["callback_key"].map { ProviderSecret($0.value) }))
            set.adapters[.viber] = adapter
            set.viber = adapter
        }
        if let vk = config.providers["vk"], let token = vk.secrets["token"]?.value {
            guard let group = vk.settings["group_id"].flatMap(Int.init), group > 0 else { throw problem("vk", "group_id must be a positive number") }
            set.adapters[.vk] = VKAdapter(configuration: VKConfiguration(
                token: ProviderSecret(token), groupID: group, baseURL: vk.settings["url"] ?? VKConfiguration.defaultBaseURL,
                callbackSecret: vk.secrets["callback_secret"].map { ProviderSecret($0.value) }))
        }
        return set
    }

    /// Simulated providers for sandbox tokens: every channel accepts, nothing leaves the machine.
    static let sandbox = ChannelSet(adapters: Dictionary(uniqueKeysWithValues: ChannelKind.allCases.map { ($0, SandboxAdapter(channel: $0) as any ChannelAdapter) }))
}

/// A simulated provider: takes every message and keeps nothing but the answer, since the rendered
/// message is already stored with the notification for the partner to read. An e-mail address at
/// `bounce.test` or a phone number ending in 0000 is refused permanently, so that a partner can see
/// the cascade move on.
struct SandboxAdapter: ChannelAdapter {
    let channel: ChannelKind

    func send(_ message: OutboundMessage) async throws(DeliveryFailure) -> SendReceipt {
        let recipient: String
        switch message.content {
        case .email(let email): recipient = email.to.first?.address ?? ""
        case .text(let to, _): recipient = to
        }
        if recipient.hasSuffix("@bounce.test") || (channel != .email && channel != .vk && recipient.hasSuffix("0000")) {
            throw DeliveryFailure(.permanent, code: "sandbox", reason: "the sandbox refuses this recipient, as a provider would refuse an unknown one")
        }
        return SendReceipt(providerMessageID: "sandbox-\(message.notificationID)", status: channel == .email ? .accepted : .delivered)
    }
}
