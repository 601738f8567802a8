import Foundation

/// One Callback API event that tells who the community may write to, read from VK's POST to our
/// server: `{"type", "object", "group_id", "event_id", "v", "secret"}` (dev.vk.com "community
/// events"). `message_allow` comes when a user presses "Allow messages" or writes to the community
/// first; `message_deny` when the user forbids them again. Our server answers the community's
/// confirmation code to `confirmation` and `ok` to everything else.
public enum VKCallbackEvent: Sendable, Equatable {
    /// VK checks that the server is ours: answer with `VKConfiguration.confirmationCode`.
    case confirmation
    /// The user allowed messages from the community; `key` is what `messages.allowMessagesFromGroup` was given.
    case messageAllow(userID: Int64, key: String?)
    /// The user forbade messages from the community.
    case messageDeny(userID: Int64)
    /// Any other event, acknowledged and not acted on.
    case other(type: String)

    init(parsing body: [UInt8], configuration: VKConfiguration) throws(CallbackError) {
        let event: Event
        do {
            event = try JSONDecoder().decode(Event.self, from: Data(body))
        } catch {
            throw CallbackError(.malformed("it is not a VK Callback API event"))
        }
        if let secret = configuration.callbackSecret, !secret.matches(event.secret ?? "") {
            throw CallbackError(.forged)
        }
        guard event.groupID == Int64(configuration.groupID) else {
            throw CallbackError(.unexpected("the event is for community \(event.groupID), not \(configuration.groupID)"))
        }
        switch event.type {
        case "confirmation":
            self = .confirmation
        case "message_allow":
            guard let userID = event.object?.userID else { throw CallbackError(.malformed("message_allow has no user_id")) }
            self = .messageAllow(userID: userID, key: event.object?.key)
        case "message_deny":
            guard let userID = event.object?.userID else { throw CallbackError(.malformed("message_deny has no user_id")) }
            self = .messageDeny(userID: userID)
        default:
            self = .other(type: event.type)
        }
    }

    /// What our server must answer VK to this event.
    public func answer(with configuration: VKConfiguration) -> String {
        self == .confirmation ? configuration.confirmationCode ?? "" : "ok"
    }

    private struct Event: Decodable {
        let type: String
        let groupID: Int64
        let secret: String?
        let object: Object?

        enum CodingKeys: String, CodingKey {
            case type, secret, object
            case groupID = "group_id"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decode(String.self, forKey: .type)
            groupID = try container.decode(Int64.self, forKey: .groupID)
            secret = try container.decodeIfPresent(String.self, forKey: .secret)
            // Other events carry objects of other shapes; only the two that matter here are read.
            object = try? container.decodeIfPresent(Object.self, forKey: .object)
        }
    }

    private struct Object: Decodable {
        let userID: Int64?
        let key: String?

        enum CodingKeys: String, CodingKey {
            case key
            case userID = "user_id"
        }
    }
}
