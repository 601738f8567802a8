/// What each VK API error means for a message, from VK's error list (vk-api-schema 5.199
/// `errors.json`, descriptions quoted): wait and retry, slow down, or give up. The provider code is
/// `vk <error_code>`; the reason says in plain words what happened, then VK's own text.
enum VKFailures {
    static func failure(code: Int, message: String?) -> DeliveryFailure {
        let (kind, plain) = meaning(of: code)
        let vk = message.map { $0.isEmpty ? "" : " (VK: \($0.prefix(200)))" } ?? ""
        return DeliveryFailure(kind, code: "vk \(code)", reason: plain + vk)
    }

    private static func meaning(of code: Int) -> (DeliveryFailure.Kind, String) {
        switch code {
        // "Too many requests per second": the per-token limit is per second, so a second's wait is enough.
        case 6: (.rateLimited(after: .seconds(1)), "VK says the community's token made too many requests per second")
        // "Flood control": too many messages (or too many alike) in a short time; VK gives no wait, we take a minute.
        case 9: (.rateLimited(after: .seconds(60)), "VK's flood control stopped the message")
        // "Rate limit reached": a method's quota (per day) is used up; we wait an hour before trying again.
        case 29: (.rateLimited(after: .seconds(3600)), "the community has used up VK's quota for sending messages")
        // "Limits overflow for this intent".
        case 944: (.rateLimited(after: .seconds(3600)), "the community has used up VK's limit for this intent")
        // "Captcha needed": an automatic sender cannot solve it; it comes after too much sending, so we wait.
        case 14: (.rateLimited(after: .seconds(300)), "VK asks for a captcha, which it does when a sender sends too much")
        // "Unknown error occurred", "Internal server error", "Method execution was interrupted due to timeout".
        case 1, 10, 36: (.retryable(after: nil), "VK had an internal error")
        // "User authorization failed", "Group authorization failed", "Application authorization failed",
        // "Access token has expired".
        case 5, 27, 28, 1117: (.permanent, "VK refused the community's token: it is wrong, revoked or expired (a configuration error)")
        // "Permission to perform this action is denied", "Access denied".
        case 7, 15: (.permanent, "the community's token lacks the right to send messages (a configuration error)")
        case 900: (.permanent, "the user is on the community's blacklist or has blocked it")
        case 901: (.permanent, "the user has not allowed messages from the community")
        case 902: (.permanent, "the user's privacy settings do not allow messages from the community")
        case 914: (.permanent, "the message is longer than VK allows")
        case 18: (.permanent, "the VK user was deleted or banned")
        case 100, 113: (.permanent, "VK refused a parameter of the message (user id, text)")
        case 917, 932, 936, 946: (.permanent, "the community cannot write to this user")
        case 943: (.permanent, "the community may not send messages with this intent (a configuration error)")
        case 950: (.permanent, "the time the community had to reply to the user is over")
        case 985: (.permanent, "the community is for notifications only and cannot write messages")
        default: (.permanent, "VK refused the message with error \(code)")
        }
    }
}
