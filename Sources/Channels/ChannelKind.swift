/// The channels a notification can go by.
public enum ChannelKind: String, Sendable, CaseIterable, Codable {
    case email
    case sms
    case viber
    case vk

    /// The channel's name as people read it.
    public var displayName: String {
        switch self {
        case .email: return "e-mail"
        case .sms: return "SMS"
        case .viber: return "Viber"
        case .vk: return "VK"
        }
    }
}
