import Channels
import Foundation
import Synchronization
import TemplateEngine

/// A message rendered for one channel of a notification, as it will be sent (a snapshot: later
/// template edits do not change it).
struct RenderedMessage: Sendable, Equatable {
    let channel: ChannelKind
    let recipient: String
    /// Which template made it: `base`, or `<template id>@<version>`.
    let template: String
    let subject: String?
    let html: String?
    let text: String
    /// The id under which the provider registered the template (Viber), when it has one.
    let providerTemplateID: String?
    /// The values of the registered template's placeholders, in order (Viber).
    var providerTemplateValues: [String] = []
    /// E-mail: the partner's name for the From display name, and its support address for Reply-To.
    var senderName: String? = nil
    var replyTo: String? = nil
}

/// A notification to create: one message per channel it may use, and the cascade between them.
struct PlannedNotification: Sendable {
    let id: String
    let messages: [RenderedMessage]
    let cascade: CascadeState
    let firstAction: CascadeAction
}

/// Compiled partner templates by id and version, so that an event does not parse its templates again.
final class CompiledTemplates: Sendable {
    private let cache = Mutex<[String: TemplateFolder.Channel]>([:])
    /// Beyond this many entries the cache starts afresh (versions are immutable, so never stale).
    private let limit = 2_000

    func channel(for record: TemplateRecord, version: TemplateRecord.Version) throws -> TemplateFolder.Channel {
        let key = "\(record.id)@\(version.number)"
        if let hit = cache.withLock({ $0[key] }) { return hit }
        guard let compiled = try TemplateFolder.Channel(content: version.content, channel: record.channel) else {
            throw APIError(422, "template_unusable", "Template '\(record.name)' version \(version.number) lacks a part its channel needs")
        }
        cache.withLock { entries in
            if entries.count >= limit { entries.removeAll() }
            entries[key] = compiled
        }
        return compiled
    }
}

/// Turns an accepted event into notifications: for each channel the payer can be reached on, the
/// template (named, else the partner's default, else the base one), rendered with the event's data.
///
/// E-mail is a notification of its own (it carries links and receipts, and costs nothing); the
/// messengers form a second one that cascades: Viber, then VK, then SMS, as far as the payer has them.
struct NotificationPlanner: Sendable {
    let store: any TemplateStore
    let base: BaseTemplateLibrary
    let compiled: CompiledTemplates
    let metrics: Metrics?
    /// Makes the unsubscribe line of non-transactional e-mail, written into the message here so that
    /// the history shows it as sent; without it, none carries one.
    var unsubscribe: UnsubscribeLinks? = nil

    func plan(_ event: EventSubmission, newID: () throws -> String) throws -> [PlannedNotification] {
        let templates = try store.templates(partnerID: event.partnerID)
        // Every named template is checked, whether or not the payer has that channel.
        for (channel, name) in event.templates.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            _ = try named(name, channel: channel, event: event.type.name, among: templates)
        }
        var groups: [[ChannelKind]] = []
        if event.contacts.email != nil { groups.append([.email]) }
        let messengers = CascadePolicy.standard.steps.map(\.channel).filter { $0 != .email && event.contacts.address(on: $0) != nil }
        if !messengers.isEmpty { groups.append(messengers) }

        return try groups.map { channels in
            let messages = try channels.map { try render(event, on: $0, among: templates) }
            var cascade = CascadeState(policy: CascadePolicy.standard.restricted(to: Set(channels)))
            let action = cascade.start()
            return PlannedNotification(id: try newID(), messages: messages, cascade: cascade, firstAction: action)
        }
    }

    /// The partner's template named by `name` (id or name) for this event and channel, if it serves;
    /// anything else is a 422 that says which of the reasons it is.
    private func named(_ name: String, channel: ChannelKind, event: String, among templates: [TemplateRecord]) throws -> (TemplateRecord, TemplateRecord.Version) {
        let matches = templates.filter { $0.id == name || $0.name == name }
        guard let record = matches.first(where: { $0.event == event && $0.channel == channel }) else {
            if let other = matches.first {
                throw APIError(422, "template_mismatch", "templates.\(channel.rawValue): template '\(name)' is for \(other.event) on \(other.channel.displayName), not \(event) on \(channel.displayName)")
            }
            throw APIError(422, "unknown_template", "templates.\(channel.rawValue): you have no template '\(name)'")
        }
        guard let version = record.serving else {
            let why = record.channel == .viber && record.versions.contains { $0.state == .approved }
                ? "is not registered with Viber yet" : "has no approved version"
            throw APIError(422, "template_not_approved", "templates.\(channel.rawValue): template '\(record.name)' \(why)")
        }
        return (record, version)
    }

    private func render(_ event: EventSubmission, on channel: ChannelKind, among templates: [TemplateRecord]) throws -> RenderedMessage {
        let compiledChannel: TemplateFolder.Channel
        let label: String
        var providerTemplateID: String?
        var registered: (source: String, template: TemplateFolder.Channel)?
        if let name = event.templates[channel] {
            let (record, version) = try named(name, channel: channel, event: event.type.name, among: templates)
            compiledChannel = try compiled.channel(for: record, version: version)
            label = "\(record.id)@\(version.number)"
            providerTemplateID = record.providerTemplateID
            registered = version.content["body"].map { ($0, compiledChannel) }
        } else if let record = templates.first(where: { $0.isDefault && $0.event == event.type.name && $0.channel == channel }),
                  let version = record.serving {
            compiledChannel = try compiled.channel(for: record, version: version)
            label = "\(record.id)@\(version.number)"
            providerTemplateID = record.providerTemplateID
            registered = version.content["body"].map { ($0, compiledChannel) }
        } else if let entry = base.entry(event: event.type.name, channel: channel) {
            compiledChannel = entry.compiled
            label = "base"
        } else {
            throw APIError(500, "no_template", "No template serves \(event.type.name) on \(channel.displayName)")
        }
        let started = ContinuousClock.now
        let composed: ComposedNotification
        do {
            composed = try NotificationComposer.compose(compiledChannel, kind: channel, data: event.data)
            metrics?.recordRender(channel: channel.rawValue, ok: true, seconds: (ContinuousClock.now - started).seconds)
        } catch {
            metrics?.recordRender(channel: channel.rawValue, ok: false, seconds: (ContinuousClock.now - started).seconds)
            throw APIError(422, "render_failed", "The \(channel.displayName) template could not be rendered with this data", detail: "\(error)")
        }
        // A registered Viber template goes to the aggregator as its id and the values of its
        // placeholders; one whose values cannot be told is sent without an id, which the adapter
        // refuses, so that the cascade moves on.
        var values: [String] = []
        if channel == .viber, providerTemplateID != nil, let registered, case .message(let body) = registered.template {
            if let found = ViberTemplateValues.extract(source: registered.source,
                                                       rendered: try body.render(event.data, options: .notification(escaping: .none))) {
                values = found
            } else {
                providerTemplateID = nil
            }
        }
        var partner: ValueObject?
        if case .object(let data) = event.data, case .object(let p)? = data["partner"] { partner = p }
        let recipient = event.contacts.address(on: channel) ?? ""
        var html = composed.html, text = composed.text
        if channel == .email, !event.type.transactional, let unsubscribe {
            let url = unsubscribe.url(for: UnsubscribeLinks.Subject(email: recipient, partnerID: event.partnerID))
            text += "\n\n" + UnsubscribeLinks.textLine(url)
            html = html.map { UnsubscribeLinks.withLine(html: $0, url: url) }
        }
        return RenderedMessage(channel: channel, recipient: recipient, template: label,
                               subject: composed.subject, html: html, text: text, providerTemplateID: providerTemplateID,
                               providerTemplateValues: values,
                               senderName: channel == .email ? partner?["name"]?.stringValue : nil,
                               replyTo: channel == .email ? partner?["support_email"]?.stringValue : nil)
    }
}
