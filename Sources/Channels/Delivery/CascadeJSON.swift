import Foundation

extension CascadeState {
    /// The state's JSON as its `Codable` conformance reads it back with `JSONDecoder`'s default
    /// strategies (dates as seconds since 2001), written by hand: the dispatcher stores the state at
    /// every step, and Foundation's encoder cost more than the rest of the step. Nil for a policy
    /// that is not the standard one restricted (its steps are left to the encoder).
    public var jsonText: String? {
        let channels = policy.steps.map(\.channel)
        guard CascadePolicy.standard.restricted(to: Set(channels)) == policy else { return nil }
        var out = JSONText()
        out.raw("{\"policy\":")
        out.string("standard:" + channels.map(\.rawValue).joined(separator: ","))
        out.raw(",\"history\":[")
        for (index, attempt) in history.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"channel\":")
            out.string(attempt.channel.rawValue)
            out.raw(",\"number\":\(attempt.number),\"at\":")
            out.date(attempt.at)
            if let id = attempt.providerMessageID { out.raw(",\"providerMessageID\":"); out.string(id) }
            out.raw(",\"status\":")
            out.string(attempt.status.rawValue)
            if let code = attempt.providerCode { out.raw(",\"providerCode\":"); out.string(code) }
            if let reason = attempt.reason { out.raw(",\"reason\":"); out.string(reason) }
            out.raw("}")
        }
        out.raw("],\"phase\":")
        switch phase {
        case .ready: out.raw("{\"ready\":{}}")
        case .sending: out.raw("{\"sending\":{}}")
        case .awaitingConfirmation(let id, let until):
            out.raw("{\"awaitingConfirmation\":{\"providerMessageID\":")
            out.string(id)
            out.raw(",\"until\":")
            out.date(until)
            out.raw("}}")
        case .done: out.raw("{\"done\":{}}")
        case .gaveUp: out.raw("{\"gaveUp\":{}}")
        }
        out.raw(",\"step\":\(step),\"tries\":\(tries),\"rateLimitedWaits\":\(rateLimitedWaits)}")
        return out.text
    }
}

/// JSON written piece by piece.
private struct JSONText {
    private(set) var text = ""

    mutating func raw(_ piece: String) {
        text += piece
    }

    /// A date as `Date`'s own `Codable` form: seconds since 1 January 2001, shortest exact digits.
    mutating func date(_ date: Date) {
        text += "\(date.timeIntervalSinceReferenceDate)"
    }

    mutating func string(_ value: String) {
        text += "\""
        var run = value.utf8.startIndex
        var i = run
        let utf8 = value.utf8
        while i != utf8.endIndex {
            let byte = utf8[i]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                text += String(value[run..<i])
                switch byte {
                case UInt8(ascii: "\""): text += "\\\""
                case UInt8(ascii: "\\"): text += "\\\\"
                case 0x0A: text += "\\n"
                case 0x0D: text += "\\r"
                case 0x09: text += "\\t"
                default: text += "\\u00" + String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
                }
                run = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        text += String(value[run...])
        text += "\""
    }
}
