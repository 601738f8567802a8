import Channels
import Foundation
import TemplateEngine

/// A partner's template: its event, channel and name, and its numbered versions.
struct TemplateRecord: Sendable, Equatable {
    struct Version: Sendable, Equatable {
        let number: Int
        let state: TemplateModeration.VersionState
        /// The parts: `subject`, `html`, `text` for e-mail; `body` for the other channels.
        let content: [String: String]
        /// Why a moderator rejected it, when they did.
        var rejection: TemplateModeration.Rejection? = nil
    }

    let id: String
    let partnerID: String
    let event: String
    let channel: ChannelKind
    let name: String
    let createdAt: String
    let versions: [Version]
    let registration: TemplateModeration.Registration
    /// Whether this is the partner's default for its event and channel.
    var isDefault = false
    /// The id under which the provider registered it (a Viber template at the aggregator).
    var providerTemplateID: String? = nil

    /// The moderation state machine of this template.
    var moderation: TemplateModeration {
        TemplateModeration(channel: channel, versions: versions.map { TemplateModeration.Version(number: $0.number, state: $0.state) },
                           registration: registration)
    }

    /// The version payers get now, if any.
    var serving: Version? {
        moderation.serving.flatMap { number in versions.first { $0.number == number } }
    }

    var json: Value {
        ["id": .string(id), "event": .string(event), "channel": .string(channel.rawValue), "name": .string(name),
         "created_at": .string(createdAt), "default": .bool(isDefault),
         "serving_version": serving.map { .int($0.number) } ?? .nil,
         "registration": .string(registration.rawValue),
         "provider_template_id": providerTemplateID.map { .string($0) } ?? .nil,
         "versions": .array(versions.map { v in
             var o = ValueObject([("number", .int(v.number)), ("state", .string(v.state.rawValue)),
                                  ("content", .object(ValueObject(v.content.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))])
             if let rejection = v.rejection {
                 o["rejection"] = ["code": .string(rejection.code), "reason": .string(rejection.reason)]
             }
             return .object(o)
         })]
    }
}

/// Where partner templates, their versions, defaults and the audit log are kept. Every method that
/// takes a `partnerID` sees only that partner's templates; the moderators' methods see all.
protocol TemplateStore: Sendable {
    /// Creates a template with its first draft; the caller has checked the content. A name is
    /// unique among the partner's templates of one event and channel.
    func createTemplate(partnerID: String, event: String, channel: ChannelKind, name: String,
                        content: [String: String]) throws -> TemplateRecord
    /// The partner's templates, oldest first.
    func templates(partnerID: String) throws -> [TemplateRecord]
    /// One template of this partner, or nil (also when it belongs to someone else).
    func template(id: String, partnerID: String) throws -> TemplateRecord?
    /// Carries out what a moderation transition decided, in one transaction.
    func apply(_ actions: [TemplateModeration.Action], to record: TemplateRecord, machine: TemplateModeration,
               content: [String: String]?, actor: String) throws
    /// Makes the template the partner's default for its event and channel (nil `templateID`: none).
    func setDefault(partnerID: String, event: String, channel: ChannelKind, templateID: String?, actor: String) throws
    /// Submitted versions waiting for a moderator, oldest first, across all partners.
    func moderationQueue() throws -> [(record: TemplateRecord, number: Int)]
    /// A template by id whoever owns it (moderators only).
    func templateForModeration(id: String) throws -> TemplateRecord?
    /// Records the id the provider gave the template when it registered it (nil: none).
    func setProviderTemplateID(_ value: String?, templateID: String, actor: String) throws
    /// The audit log of a template, oldest first.
    func audit(templateID: String) throws -> [AuditEntry]
}

/// One line of the audit log: who did what to a template, and when (UTC).
struct AuditEntry: Sendable, Equatable {
    let at: String
    let actor: String
    let message: String

    var json: Value { ["at": .string(at), "actor": .string(actor), "message": .string(message)] }
}
