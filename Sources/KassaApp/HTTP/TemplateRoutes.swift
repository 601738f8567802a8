import Channels
import Foundation
import TemplateEngine

/// The partners' template endpoints: create a draft (checked on the way in), list, read, edit,
/// preview, submit, choose the default; and which template serves each event and channel.
enum TemplateRoutes {
    static let partnerKinds: Set<TokenKind> = [.partnerLive, .partnerSandbox]

    static func add(to router: inout Router, store: any KassaStore, base: BaseTemplateLibrary, limits: APILimits, metrics: Metrics?) {
        router.add("POST", "/v1/templates") { request, _ in
            let partner = try KassaAPI.authenticate(request, store, allowing: partnerKinds)
            let body = try jsonObject(request)
            let eventName = try field(body, "event")
            guard let event = EventCatalog.named(eventName) else {
                throw APIError(422, "unknown_event", "Unknown event '\(eventName)'",
                               detail: "Events: \(EventCatalog.names.joined(separator: ", "))")
            }
            let channelName = try field(body, "channel")
            guard let channel = ChannelKind(rawValue: channelName) else {
                throw APIError(422, "unknown_channel", "Unknown channel '\(channelName)'", detail: "Channels: email, sms, viber, vk")
            }
            let name = try field(body, "name")
            let content = try parseContent(body, channel: channel, maxBytes: limits.maxTemplateBytes)
            let record: TemplateRecord
            do {
                record = try store.createTemplate(partnerID: partner.ownerID, event: event.name, channel: channel, name: name, content: content)
            } catch let error as StoreError {
                throw APIError(409, "name_taken", "\(error)", detail: "Give the template another name, or edit the existing one")
            }
            return .json(withDiagnostics(record), status: 201)
        }

        router.add("GET", "/v1/templates") { request, _ in
            let partner = try KassaAPI.authenticate(request, store, allowing: partnerKinds)
            return .json(["templates": .array(try store.templates(partnerID: partner.ownerID).map(\.json))])
        }

        router.add("POST", "/v1/templates/:id/preview") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: partnerKinds)
            guard let record = try store.template(id: parameters["id"] ?? "", partnerID: partner.ownerID),
                  let version = record.versions.last, let event = EventCatalog.named(record.event)
            else { throw APIError.notFound }
            var data = event.sample
            if !request.body.isEmpty, let given = try jsonObject(request)["data"] {
                guard case .object = given else { throw APIError(422, "invalid_field", "'data' must be an object") }
                data = given
            }
            return .json(preview(version.content, channel: record.channel, schema: event.schema, data: data, number: version.number,
                                 metrics: metrics))
        }

        router.add("PUT", "/v1/templates/:id/draft") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: partnerKinds)
            guard let record = try store.template(id: parameters["id"] ?? "", partnerID: partner.ownerID) else { throw APIError.notFound }
            let content = try parseContent(try jsonObject(request), channel: record.channel, maxBytes: limits.maxTemplateBytes)
            try ModerationRoutes.carryOut(on: record, by: partner.ownerID, in: store, content: content) { machine in
                machine.edit() + [.audit("draft edited")]
            }
            guard let updated = try store.template(id: record.id, partnerID: partner.ownerID) else { throw APIError.notFound }
            return .json(withDiagnostics(updated))
        }

        router.add("POST", "/v1/templates/:id/submit") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: partnerKinds)
            guard let record = try store.template(id: parameters["id"] ?? "", partnerID: partner.ownerID),
                  let event = EventCatalog.named(record.event)
            else { throw APIError.notFound }
            let draftContent = record.versions.last { $0.state == .draft }?.content ?? [:]
            let hasErrors = diagnostics(draftContent, schema: event.schema).contains { $0.severity == .error }
            try ModerationRoutes.carryOut(on: record, by: partner.ownerID, in: store) { (machine) throws(TemplateModeration.Refusal) in
                try machine.submit(hasErrors: hasErrors)
            }
            guard let updated = try store.template(id: record.id, partnerID: partner.ownerID) else { throw APIError.notFound }
            return .json(updated.json)
        }

        router.add("GET", "/v1/templates/:id") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: partnerKinds)
            guard let record = try store.template(id: parameters["id"] ?? "", partnerID: partner.ownerID) else { throw APIError.notFound }
            return .json(record.json)
        }

        router.add("GET", "/v1/templates/:id/audit") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: partnerKinds)
            guard let record = try store.template(id: parameters["id"] ?? "", partnerID: partner.ownerID) else { throw APIError.notFound }
            return .json(["audit": .array(try store.audit(templateID: record.id).map(\.json))])
        }

        for (method, makeDefault) in [("PUT", true), ("DELETE", false)] {
            router.add(method, "/v1/templates/:id/default") { request, parameters in
                let partner = try KassaAPI.authenticate(request, store, allowing: partnerKinds)
                guard let record = try store.template(id: parameters["id"] ?? "", partnerID: partner.ownerID) else { throw APIError.notFound }
                if makeDefault || record.isDefault {
                    try store.setDefault(partnerID: partner.ownerID, event: record.event, channel: record.channel,
                                         templateID: makeDefault ? record.id : nil, actor: partner.ownerID)
                }
                guard let updated = try store.template(id: record.id, partnerID: partner.ownerID) else { throw APIError.notFound }
                return .json(updated.json)
            }
        }

        router.add("GET", "/v1/base-templates") { request, _ in
            _ = try KassaAPI.authenticate(request, store)
            return .json(["templates": .array(base.entries.map(\.json))])
        }

        router.add("GET", "/v1/serving") { request, _ in
            let partner = try KassaAPI.authenticate(request, store, allowing: partnerKinds)
            var choices: [Value] = []
            for event in EventCatalog.all {
                for channel in ChannelKind.allCases {
                    if let choice = try TemplateChoice.choose(event: event.name, channel: channel, requested: request.query["template"],
                                                              partnerID: partner.ownerID, store: store, base: base) {
                        choices.append(choice.json)
                    }
                }
            }
            return .json(["serving": .array(choices)])
        }
    }

    /// What the payer would get from these parts with `data`: the composed message (attribution
    /// included), SMS encoding and parts, and every diagnostic.
    static func preview(_ content: [String: String], channel: ChannelKind, schema: Schema, data: Value, number: Int,
                        metrics: Metrics?) -> Value {
        var diagnosticList = diagnostics(content, schema: schema)
        var o = ValueObject()
        o["version"] = .int(number)
        if !diagnosticList.contains(where: { $0.severity == .error }) {
            do {
                guard let folderChannel = try TemplateFolder.Channel(content: content, channel: channel) else {
                    throw APIError(422, "invalid_field", "the template has no content to preview")
                }
                let started = ContinuousClock.now
                let message: ComposedNotification
                do {
                    message = try NotificationComposer.compose(folderChannel, kind: channel, data: data)
                    metrics?.recordRender(channel: channel.rawValue, ok: true, seconds: (ContinuousClock.now - started).seconds)
                } catch {
                    metrics?.recordRender(channel: channel.rawValue, ok: false, seconds: (ContinuousClock.now - started).seconds)
                    throw error
                }
                if let subject = message.subject { o["subject"] = .string(subject) }
                if let html = message.html { o["html"] = .string(html) }
                o["text"] = .string(message.text)
                if channel == .sms {
                    let info = SMSInfo(text: message.text)
                    o["sms"] = ["encoding": .string(info.encoding.rawValue), "units": .int(info.units), "parts": .int(info.parts)]
                }
            } catch {
                diagnosticList.append(TemplateDiagnostics.compositionFailure(error, file: channel.rawValue, with: "the data"))
            }
        }
        o["diagnostics"] = .array(diagnosticList.map(diagnosticJSON))
        return .object(o)
    }

    /// The template parts of a request body: `subject`, `html`, `text` for e-mail, `body` otherwise.
    static func parseContent(_ body: ValueObject, channel: ChannelKind, maxBytes: Int) throws -> [String: String] {
        guard case .object(let contentObject)? = body["content"] else {
            throw APIError(422, "invalid_field", "'content' must be an object of template parts")
        }
        var content: [String: String] = [:]
        for (key, value) in contentObject.pairs {
            guard let text = value.stringValue else { throw APIError(422, "invalid_field", "content.\(key) must be a string") }
            guard text.utf8.count <= maxBytes else {
                throw APIError(422, "invalid_field", "content.\(key) is \(text.utf8.count) bytes, more than the \(maxBytes) a template part may have")
            }
            content[key] = text
        }
        let expected: Set<String> = channel == .email ? ["subject", "html", "text"] : ["body"]
        if let extra = content.keys.first(where: { !expected.contains($0) }) {
            throw APIError(422, "invalid_field", "content.\(extra) is not a part of a template for the \(channel.displayName) channel",
                           detail: "Parts: \(expected.sorted().joined(separator: ", "))")
        }
        let required: [String] = channel == .email ? ["subject", "html"] : ["body"]
        if let missing = required.first(where: { content[$0] == nil }) {
            throw APIError(422, "invalid_field", "content.\(missing) is required for the \(channel.displayName) channel")
        }
        return content
    }

    /// The record as JSON with the diagnostics of its latest version.
    static func withDiagnostics(_ record: TemplateRecord) -> Value {
        guard case .object(var o) = record.json, let latest = record.versions.last, let event = EventCatalog.named(record.event) else {
            return record.json
        }
        o["diagnostics"] = .array(diagnostics(latest.content, schema: event.schema).map(diagnosticJSON))
        return .object(o)
    }

    /// The checker's findings for each part (named `subject`, `html`, …), HTML checks for `html`.
    static func diagnostics(_ content: [String: String], schema: Schema) -> [Diagnostic] {
        var result: [Diagnostic] = []
        for part in content.keys.sorted() {
            result += TemplateDiagnostics.check(content[part] ?? "", name: part, schema: schema, html: part == "html").diagnostics
        }
        return result
    }

    static func diagnosticJSON(_ d: Diagnostic) -> Value {
        ["part": .string(d.file), "line": .int(d.line), "column": .int(d.column), "severity": .string(d.severity.rawValue),
         "code": .string(d.code), "message": .string(d.message)]
    }

    /// The request body as a JSON object; malformed JSON is a 400 naming the line and column.
    static func jsonObject(_ request: HTTPRequest) throws -> ValueObject {
        do {
            guard case .object(let o) = try Value(jsonBytes: request.body) else {
                throw APIError(400, "invalid_json", "The body must be a JSON object")
            }
            return o
        } catch let error as JSONError {
            throw APIError(400, "invalid_json", "The body is not valid JSON", detail: "\(error.line):\(error.column): \(error.message)")
        }
    }

    /// Whether the text is empty or only spaces and tabs (`CharacterSet.whitespaces`), read by
    /// scalars rather than trimmed through Foundation: every event's fields go through it.
    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0 == " " || $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
    }

    static func field(_ body: ValueObject, _ name: String) throws -> String {
        guard let value = body[name]?.stringValue, !isBlank(value), value.utf8.count <= 200 || value.count <= 200 else {
            throw APIError(422, "invalid_field", "'\(name)' is required: a string of 1 to 200 characters")
        }
        return value
    }
}
