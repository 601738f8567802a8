/// How to reach one VK community's messages through the VK API (`messages.send`, API 5.199).
///
/// Facts from VK's own schema (github.com/VKCOM/vk-api-schema, `messages/methods.json`, version 5.199)
/// and dev.vk.com: requests are form posts to `https://api.vk.com/method/<name>` with `v`, the
/// token may go in `Authorization: Bearer`, and a community token may make 20 requests a second
/// (SevereCloud/vksdk `api.go`; VK's "API requests" page).
///
/// ```swift
/// let vk = VKConfiguration(token: ProviderSecret(token), groupID: 218_000_000)
/// let adapter = VKAdapter(configuration: vk)
/// ```
public struct VKConfiguration: Sendable {
    /// The API version every request names; the schema and error codes used here are those of 5.199.
    public static let apiVersion = "5.199"
    public static let defaultBaseURL = "https://api.vk.com/method/"

    /// What a community message is about, as `messages.send` takes it in `intent`; VK applies
    /// different rules to each (errors 943 "Cannot use this intent" and 944 "Limits overflow for
    /// this intent").
    public enum Intent: String, Sendable, CaseIterable {
        /// A notice about the user's account.
        case accountUpdate = "account_update"
        /// An invitation to a bot, as an advertisement.
        case botAdInvite = "bot_ad_invite"
        /// A bot's promotion, as an advertisement.
        case botAdPromo = "bot_ad_promo"
        /// A notice the user subscribed to with a `subscribe_id`; needs that subscription.
        case confirmedNotification = "confirmed_notification"
        /// A support agent's answer.
        case customerSupport = "customer_support"
        /// No stated purpose: VK then allows it only within 24 hours of the user's last message.
        case `default` = "default"
        /// A notice about money: a payment, a balance.
        case financeNotification = "finance_notification"
        /// A game's notice.
        case gameNotification = "game_notification"
        /// A newsletter moderated by VK.
        case moderatedNewsletter = "moderated_newsletter"
        /// A newsletter without advertising; needs the user's subscription.
        case nonPromoNewsletter = "non_promo_newsletter"
        /// An advertising newsletter; needs the user's subscription.
        case promoNewsletter = "promo_newsletter"
        /// A notice about the user's purchase: an order placed, paid, shipped, delayed.
        case purchaseUpdate = "purchase_update"
    }

    /// The community's access token with the `messages` right; sent only in `Authorization: Bearer`.
    public var token: ProviderSecret
    /// The community's id (positive), sent as `group_id` and checked against callbacks.
    public var groupID: Int
    /// Where the API is; a test points it at a fake. Method names are appended to it.
    public var baseURL: String
    /// The intent every message is sent with. The default, `purchase_update`, fits the order and
    /// payment notices this service sends and needs no subscription: `messages.getIntentUsers`
    /// (dev.vk.com) names `confirmed_notification`, `promo_newsletter` and `non_promo_newsletter` as
    /// the intents that need one, and without an intent VK allows a community's message only within
    /// 24 hours of the user's last message (VK's mailing rules as help.watbot.ru restates them;
    /// error 950 "reply timed out"). VK publishes no further conditions; error 943 says when the
    /// community may not use the intent.
    public var intent: Intent
    /// How long one call may take, connection included.
    public var timeout: Duration
    /// The Callback API's secret key, which VK puts in every event's `secret` field; nil when the
    /// community has none set (then events are accepted on the group id alone).
    public var callbackSecret: ProviderSecret?
    /// The string VK expects back from the server on a `confirmation` event.
    public var confirmationCode: String?

    public init(token: ProviderSecret, groupID: Int, baseURL: String = VKConfiguration.defaultBaseURL, intent: Intent = .purchaseUpdate,
                timeout: Duration = .seconds(10), callbackSecret: ProviderSecret? = nil, confirmationCode: String? = nil) {
        self.token = token
        self.groupID = groupID
        self.baseURL = baseURL
        self.intent = intent
        self.timeout = timeout
        self.callbackSecret = callbackSecret
        self.confirmationCode = confirmationCode
    }

    /// The URL of the API method `name`.
    func url(of name: String) -> String {
        (baseURL.hasSuffix("/") ? baseURL : baseURL + "/") + name
    }
}
