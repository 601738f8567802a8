import Foundation

/// What VK answered to `messages.send`, read into a receipt or a classified failure.
///
/// VK answers HTTP 200 in both cases (dev.vk.com "API requests"): `{"response": <message id>}` for
/// `user_id`/`peer_id`, `{"response": [{"peer_id", "message_id", "conversation_message_id",
/// "error"}]}` for `peer_ids` (vk-api-schema `messages_send_user_ids_response`), or
/// `{"error": {"error_code", "error_msg", …}}`.
enum VKAnswer {
    static func receipt(from response: HTTPResponse) throws(DeliveryFailure) -> SendReceipt {
        switch response.status {
        case 200:
            break
        case 429:
            throw DeliveryFailure(.rateLimited(after: response.retryAfter), code: "http 429", reason: "VK's server asks us to send more slowly")
        case 500...599:
            throw DeliveryFailure(.retryable(after: response.retryAfter), code: "http \(response.status)", reason: "VK's server failed (HTTP \(response.status))")
        default:
            throw DeliveryFailure(.permanent, code: "http \(response.status)",
                                  reason: "VK answered HTTP \(response.status); the API's address may be wrong (a configuration error)")
        }
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(response.body))
        } catch {
            // VK may or may not have sent it; a resend with the same random_id is harmless.
            throw DeliveryFailure(.retryable(after: nil), code: "vk answer", reason: "VK's answer could not be read as JSON")
        }
        if let error = envelope.error {
            throw VKFailures.failure(code: error.code, message: error.message)
        }
        switch envelope.response {
        case .messageID(let id):
            return SendReceipt(providerMessageID: String(id), status: .sent)
        case .peers(let peers):
            guard let first = peers.first else { break }
            if let error = first.error {
                throw VKFailures.failure(code: error.code ?? 0, message: error.message)
            }
            if let id = first.messageID ?? first.conversationMessageID {
                return SendReceipt(providerMessageID: String(id), status: .sent)
            }
        case nil:
            break
        }
        throw DeliveryFailure(.retryable(after: nil), code: "vk answer", reason: "VK's answer had neither a message id nor an error")
    }

    struct Envelope: Decodable {
        let response: Response?
        let error: APIError?
    }

    enum Response: Decodable {
        case messageID(Int64)
        case peers([PeerResult])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let id = try? container.decode(Int64.self) {
                self = .messageID(id)
            } else {
                self = .peers(try container.decode([PeerResult].self))
            }
        }
    }

    struct APIError: Decodable {
        let code: Int
        let message: String?

        enum CodingKeys: String, CodingKey {
            case code = "error_code"
            case message = "error_msg"
        }
    }

    struct PeerResult: Decodable {
        let peerID: Int64?
        let messageID: Int64?
        let conversationMessageID: Int64?
        let error: PeerError?

        enum CodingKeys: String, CodingKey {
            case peerID = "peer_id"
            case messageID = "message_id"
            case conversationMessageID = "conversation_message_id"
            case error
        }
    }

    /// A per-peer error: the schema calls it a string, VK sends an object with `code` and `description`.
    struct PeerError: Decodable {
        let code: Int?
        let message: String?

        enum CodingKeys: String, CodingKey {
            case code, description
        }

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                code = nil
                message = text
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            code = try container.decodeIfPresent(Int.self, forKey: .code)
            message = try container.decodeIfPresent(String.self, forKey: .description)
        }
    }
}
