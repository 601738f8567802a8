import Channels
import Foundation

/// What came of one POST to an endpoint: its answer, whatever the status, or why none came.
struct WebhookOutcome: Sendable, Equatable {
    enum Reply: Sendable, Equatable {
        /// The endpoint answered with this status, headers and body.
        case response(Channels.HTTPResponse)
        /// No usable answer came: the URL was refused, the connection failed or timed out.
        case failure(DeliveryFailure)
    }

    let reply: Reply
    /// How long the request took, when it was measured.
    let duration: Duration?

    init(_ reply: Reply, duration: Duration? = nil) {
        self.reply = reply
        self.duration = duration
    }
}

/// One attempt at delivering a message to an endpoint, as the API shows it to the partner.
struct WebhookAttempt: Sendable, Equatable, Codable {
    /// The largest part of a response body kept, in bytes.
    static let excerptLimit = 1024

    /// 1 for the first delivery, one more for each redelivery the partner asked for.
    let round: Int
    /// The attempt's number within its round, from 1.
    let number: Int
    /// When the attempt's outcome came in.
    let at: Date
    /// The HTTP status the endpoint answered, if it answered.
    let status: Int?
    /// Why no answer came, as one sentence, if none came.
    let error: String?
    /// How long the request took, when measured.
    let durationMilliseconds: Int?
    /// The start of the response body (at most 1 KB, cut at a character boundary), if there was one.
    let responseExcerpt: String?

    init(round: Int, number: Int, at: Date, outcome: WebhookOutcome) {
        self.round = round
        self.number = number
        self.at = at
        switch outcome.reply {
        case .response(let response):
            status = response.status
            error = nil
            responseExcerpt = response.body.isEmpty ? nil : Self.excerpt(response.body)
        case .failure(let failure):
            status = nil
            error = failure.description
            responseExcerpt = nil
        }
        durationMilliseconds = outcome.duration.map { Int($0.components.seconds) * 1000 + Int($0.components.attoseconds / 1_000_000_000_000_000) }
    }

    /// The first `excerptLimit` bytes of `body` as text, without a character cut in half.
    static func excerpt(_ body: [UInt8]) -> String {
        guard body.count > excerptLimit else { return String(decoding: body, as: UTF8.self) }
        var end = excerptLimit
        // Back up over continuation bytes (10xxxxxx) to the start of the character that straddles the limit.
        while end > 0, body[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: body[..<end], as: UTF8.self)
    }
}
