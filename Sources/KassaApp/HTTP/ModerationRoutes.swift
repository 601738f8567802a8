import Foundation
import TemplateEngine

/// The moderators' endpoints: the queue of submissions with their diagnostics and previews, and
/// the decisions, carried out by the moderation state machine and written to the audit log.
enum ModerationRoutes {
    static func add(to router: inout Router, store: any KassaStore, metrics: Metrics?) {
        router.add("GET", "/v1/moderation/queue") { request, _ in
            _ = try KassaAPI.authenticate(request, store, allowing: [.moderator])
            let items: [Value] = try store.moderationQueue().map { entry in
                let record = entry.record
                let version = record.versions.first { $0.number == entry.number }
                let approved = record.versions.last { $0.state == .approved }
                var o = ValueObject()
                o["template"] = record.json
                o["version"] = .int(entry.number)
                if let version, let event = EventCatalog.named(record.event) {
                    o["preview"] = TemplateRoutes.preview(version.content, channel: record.channel, schema: event.schema,
                                                          data: event.sample, number: version.number, metrics: metrics)
                }
                o["approved_version"] = approved.map { .int($0.number) } ?? .nil
                if let approved, let version {
                    o["diff"] = diff(from: approved, to: version)
                }
                return .object(o)
            }
            return .json(["queue": .array(items)])
        }

        router.add("GET", "/v1/moderation/templates/:id") { request, parameters in
            _ = try KassaAPI.authenticate(request, store, allowing: [.moderator, .operator])
            guard let record = try store.templateForModeration(id: parameters["id"] ?? "") else { throw APIError.notFound }
            guard case .object(var o) = record.json else { throw APIError.notFound }
            o["partner_id"] = .string(record.partnerID)
            o["audit"] = .array(try store.audit(templateID: record.id).map(\.json))
            return .json(.object(o))
        }

        router.add("POST", "/v1/moderation/templates/:id/versions/:number/approve") { request, parameters in
            try decide(request, parameters, store) { (machine, number, moderator) throws(TemplateModeration.Refusal) in
                try machine.approve(number, by: moderator)
            }
        }

        // What the Viber aggregator decided about a template's registration, recorded by a moderator
        // or an operator until the aggregator's callback records it itself.
        router.add("POST", "/v1/moderation/templates/:id/registration") { request, parameters in
            let actor = try KassaAPI.authenticate(request, store, allowing: [.moderator, .operator])
            let body = try TemplateRoutes.jsonObject(request)
            guard case .bool(let registered)? = body["registered"] else {
                throw APIError(422, "invalid_field", "'registered' is required: true or false")
            }
            let providerID = body["provider_template_id"]?.stringValue
            if registered, providerID == nil || providerID!.isEmpty || providerID!.count > 200 {
                throw APIError(422, "invalid_field", "'provider_template_id' is required when registered: the id the aggregator gave the template")
            }
            guard let record = try store.templateForModeration(id: parameters["id"] ?? "") else { throw APIError.notFound }
            try carryOut(on: record, by: actor.ownerID, in: store) { (machine) throws(TemplateModeration.Refusal) in
                try machine.registrationDecided(registered: registered)
            }
            try store.setProviderTemplateID(registered ? providerID : nil, templateID: record.id, actor: actor.ownerID)
            guard let updated = try store.templateForModeration(id: record.id) else { throw APIError.notFound }
            return .json(updated.json)
        }

        router.add("POST", "/v1/moderation/templates/:id/versions/:number/reject") { request, parameters in
            let body = try TemplateRoutes.jsonObject(request)
            let code = try TemplateRoutes.field(body, "code")
            let reason = try TemplateRoutes.field(body, "reason")
            return try decide(request, parameters, store) { (machine, number, moderator) throws(TemplateModeration.Refusal) in
                try machine.reject(number, by: moderator, code: code, reason: reason)
            }
        }
    }

    /// The submitted version against the approved one, part by part, in the unified format; only
    /// the parts that differ.
    static func diff(from approved: TemplateRecord.Version, to submitted: TemplateRecord.Version) -> Value {
        var o = ValueObject()
        for part in Set(approved.content.keys).union(submitted.content.keys).sorted() {
            let text = LineDiff.unified(approved.content[part] ?? "", submitted.content[part] ?? "",
                                        oldName: "\(part) (version \(approved.number), approved)",
                                        newName: "\(part) (version \(submitted.number), submitted)")
            if !text.isEmpty { o[part] = .string(text) }
        }
        return .object(o)
    }

    /// Runs a transition of the template's moderation state machine and stores what it decided (the
    /// new draft's `content`, when the transition stores one); a refusal is a 409 with its code.
    static func carryOut(on record: TemplateRecord, by actor: String, in store: any KassaStore, content: [String: String]? = nil,
                         _ transition: (inout TemplateModeration) throws(TemplateModeration.Refusal) -> [TemplateModeration.Action]) throws {
        var machine = record.moderation
        let actions: [TemplateModeration.Action]
        do {
            actions = try transition(&machine)
        } catch {
            throw APIError(409, error.code, error.message)
        }
        try store.apply(actions, to: record, machine: machine, content: content, actor: actor)
    }

    private static func decide(_ request: HTTPRequest, _ parameters: [String: String], _ store: any KassaStore,
                               _ transition: (inout TemplateModeration, Int, String) throws(TemplateModeration.Refusal) -> [TemplateModeration.Action]) throws -> HTTPResponse {
        let moderator = try KassaAPI.authenticate(request, store, allowing: [.moderator])
        guard let record = try store.templateForModeration(id: parameters["id"] ?? ""), let number = Int(parameters["number"] ?? "")
        else { throw APIError.notFound }
        try carryOut(on: record, by: moderator.ownerID, in: store) { (machine) throws(TemplateModeration.Refusal) in
            try transition(&machine, number, moderator.ownerID)
        }
        guard let updated = try store.templateForModeration(id: record.id) else { throw APIError.notFound }
        return .json(updated.json)
    }
}
