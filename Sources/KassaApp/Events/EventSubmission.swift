import Channels
import Foundation
import TemplateEngine

/// An event as a producer hands it in (`POST /v1/events` now, orders and payments in-process later),
/// checked field by field: what the rest of the pipeline may rely on.
struct EventSubmission: Sendable {
    /// The producer's id of the event: a repeated id is the same event.
    let id: String
    let type: EventDefinition
    let partnerID: String
    let orderID: String
    /// Conforms to the event's schema; every link in it points to a host the partner registered.
    let data: Value
    let contacts: PayerContacts
    /// The template the order names per channel (an id or a name), if any.
    let templates: [ChannelKind: String]
    /// Sent through simulated providers and kept for the partner to read.
    let sandbox: Bool

    /// The longest event or order id.
    static let maxIDLength = 100

    /// Reads `body`; `partnerID` is the sandbox token's partner, or nil for an operator, who names
    /// the partner in the body. Every problem is a 422 naming the field.
    static func parse(_ body: ValueObject, partnerID: String?, sandbox: Bool) throws -> (EventSubmission, partnerField: String?) {
        let id = try identifier(body, "id")
        let typeName = try TemplateRoutes.field(body, "type")
        guard let type = EventCatalog.named(typeName) else {
            throw APIError(422, "unknown_event", "Unknown event type '\(typeName)'", detail: "Types: \(EventCatalog.names.joined(separator: ", "))")
        }
        var partner = partnerID
        let partnerField = body["partner_id"]?.stringValue
        if partner == nil {
            guard let given = partnerField, !given.isEmpty else {
                throw APIError(422, "invalid_field", "'partner_id' is required when an operator sends an event")
            }
            partner = given
        }
        let orderID = try identifier(body, "order_id")
        guard let data = body["data"], case .object = data else {
            throw APIError(422, "invalid_field", "'data' is required: an object with the event's variables",
                           detail: "GET /v1/events shows each event's schema and a sample")
        }
        let problems = type.schema.validate(data)
        guard problems.isEmpty else {
            throw APIError(422, "invalid_data", "'data' does not match the schema of \(type.name)",
                           detail: problems.prefix(10).map { "data.\($0)" }.joined(separator: "; "))
        }
        let contacts = try PayerContacts.parse(body["contacts"])
        var templates: [ChannelKind: String] = [:]
        if let given = body["templates"] {
            guard case .object(let o) = given else {
                throw APIError(422, "invalid_field", "'templates' must be an object: a template id or name per channel")
            }
            for (key, value) in o.pairs {
                guard let channel = ChannelKind(rawValue: key) else {
                    throw APIError(422, "unknown_channel", "templates.\(key) is not a channel", detail: "Channels: email, sms, viber, vk")
                }
                guard let name = value.stringValue, !name.isEmpty, name.count <= 200 else {
                    throw APIError(422, "invalid_field", "templates.\(key) must be a template id or name")
                }
                templates[channel] = name
            }
        }
        let submission = EventSubmission(id: id, type: type, partnerID: partner ?? "", orderID: orderID, data: data, contacts: contacts,
                                         templates: templates, sandbox: sandbox)
        return (submission, partnerField)
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || "-_.:".utf8.contains(byte)
    }

    /// An id field: 1 to 100 letters, digits and `-_.:`.
    private static func identifier(_ body: ValueObject, _ name: String) throws -> String {
        guard let value = body[name]?.stringValue, (1...maxIDLength).contains(value.utf8.count),
              value.utf8.allSatisfy({ isIDByte($0) })
        else {
            throw APIError(422, "invalid_field", "'\(name)' is required: 1 to \(maxIDLength) letters, digits and - _ . :")
        }
        return value
    }
}

/// How the payer can be reached: what the partner passed or the payer gave on the payment page.
struct PayerContacts: Sendable, Equatable {
    var email: String?
    /// For SMS: `7XXXXXXXXXX`.
    var phone: String?
    /// For Viber (a phone number): `7XXXXXXXXXX`.
    var viber: String?
    /// A VK user id.
    var vk: String?

    /// The address on `channel`, if the payer has one.
    func address(on channel: ChannelKind) -> String? {
        switch channel {
        case .email: email
        case .sms: phone
        case .viber: viber
        case .vk: vk
        }
    }

    static func parse(_ value: Value?) throws -> PayerContacts {
        guard case .object(let o)? = value else {
            throw APIError(422, "invalid_field", "'contacts' is required: an object with the payer's email, phone, viber and/or vk")
        }
        var contacts = PayerContacts()
        for (key, value) in o.pairs {
            guard let text = value.stringValue else {
                if case .nil = value { continue }
                throw APIError(422, "invalid_field", "contacts.\(key) must be a string")
            }
            switch key {
            case "email":
                do {
                    contacts.email = try EmailAddress(text).address
                } catch {
                    throw APIError(422, "invalid_contact", "contacts.email is not an address we can send to", detail: "\(error)")
                }
            case "phone", "viber":
                let number: String
                do {
                    number = try RussianPhoneNumber.normalize(text)
                } catch {
                    throw APIError(422, "invalid_contact", "contacts.\(key) is not a Russian phone number", detail: error.reason)
                }
                if key == "phone" { contacts.phone = number } else { contacts.viber = number }
            case "vk":
                guard let id = Int64(text), id > 0 else {
                    throw APIError(422, "invalid_contact", "contacts.vk must be a VK user id: a positive number")
                }
                contacts.vk = String(id)
            default:
                throw APIError(422, "invalid_field", "contacts.\(key) is not a contact", detail: "Contacts: email, phone, viber, vk")
            }
        }
        guard contacts.email != nil || contacts.phone != nil || contacts.viber != nil || contacts.vk != nil else {
            throw APIError(422, "invalid_field", "'contacts' needs at least one of email, phone, viber, vk")
        }
        return contacts
    }
}
