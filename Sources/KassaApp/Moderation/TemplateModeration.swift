import Channels
import Foundation

/// The moderation lifecycle of one partner template, as a pure state machine: its methods change
/// the state and say what the I/O layer must do next; nothing here touches storage or the network.
///
/// A template has numbered versions. A partner edits a draft and submits it; a moderator approves or
/// rejects the submission with a reason. An approved version is immutable and keeps serving while a
/// newer draft is edited and reviewed; only approval of the newer one replaces it. A Viber template
/// also needs its registration with Viber (through the aggregator) before a version can serve.
struct TemplateModeration: Sendable, Equatable {
    enum VersionState: String, Sendable, Equatable {
        case draft, submitted, approved, rejected
    }

    /// The outside approval a Viber template needs besides ours.
    enum Registration: String, Sendable, Equatable {
        case notNeeded = "not_needed"
        case pending, registered, refused
    }

    struct Version: Sendable, Equatable {
        let number: Int
        var state: VersionState
        var rejection: Rejection?
    }

    struct Rejection: Sendable, Equatable {
        let code: String
        let reason: String
    }

    /// What the I/O layer must do after a transition.
    enum Action: Sendable, Equatable {
        /// Store the new draft's content as version `number`.
        case storeDraft(number: Int)
        /// Put version `number` in the moderators' queue.
        case enqueueForReview(number: Int)
        /// Version `number` now serves; `replacing` is the one it replaces.
        case startServing(number: Int, replacing: Int?)
        /// Tell the partner (webhook) that version `number` was rejected.
        case notifyRejection(number: Int, Rejection)
        /// Ask the aggregator to register version `number` with Viber.
        case requestRegistration(number: Int)
        /// Write the decision to the audit log.
        case audit(String)
    }

    /// Why a transition is refused; the message is for the API's problem document.
    struct Refusal: Error, Sendable, Equatable {
        let code: String
        let message: String
    }

    let channel: ChannelKind
    private(set) var versions: [Version]
    private(set) var registration: Registration

    /// A template as stored: its versions in order and its registration.
    init(channel: ChannelKind, versions: [Version], registration: Registration) {
        self.channel = channel
        self.versions = versions
        self.registration = registration
    }

    /// A new template with its first draft.
    init(channel: ChannelKind) {
        self.channel = channel
        versions = [Version(number: 1, state: .draft)]
        registration = channel == .viber ? .pending : .notNeeded
    }

    /// The version payers get, if any: the newest approved one (and, for Viber, only once registered).
    var serving: Int? {
        guard registration == .notNeeded || registration == .registered else { return nil }
        return versions.last { $0.state == .approved }?.number
    }

    /// The version a partner edits: the open draft, if there is one.
    var draft: Int? { versions.last { $0.state == .draft }?.number }

    private func index(of number: Int) throws(Refusal) -> Int {
        guard let i = versions.firstIndex(where: { $0.number == number }) else {
            throw Refusal(code: "no_such_version", message: "the template has no version \(number)")
        }
        return i
    }

    /// The partner edits: the open draft changes, or (when there is none) a new draft is made from
    /// the latest version; an approved version is never modified.
    mutating func edit() -> [Action] {
        if let draft { return [.storeDraft(number: draft)] }
        let number = (versions.last?.number ?? 0) + 1
        versions.append(Version(number: number, state: .draft))
        return [.storeDraft(number: number)]
    }

    /// The partner submits the draft for review; refused if the checker found errors.
    mutating func submit(hasErrors: Bool) throws(Refusal) -> [Action] {
        guard let number = draft else { throw Refusal(code: "no_draft", message: "there is no draft to submit; edit the template first") }
        guard !hasErrors else { throw Refusal(code: "template_has_errors", message: "the draft has errors; fix them before submitting") }
        versions[try index(of: number)].state = .submitted
        return [.enqueueForReview(number: number), .audit("version \(number) submitted")]
    }

    /// A moderator approves a submitted version.
    mutating func approve(_ number: Int, by moderator: String) throws(Refusal) -> [Action] {
        let i = try index(of: number)
        guard versions[i].state == .submitted else {
            throw Refusal(code: "not_submitted", message: "version \(number) is \(versions[i].state.rawValue), not submitted")
        }
        let previous = serving
        versions[i].state = .approved
        var actions: [Action] = [.audit("version \(number) approved by \(moderator)")]
        if channel == .viber && registration != .registered {
            actions.append(.requestRegistration(number: number))
        } else {
            actions.append(.startServing(number: number, replacing: previous))
        }
        return actions
    }

    /// A moderator rejects a submitted version, with a code and a reason for the partner.
    mutating func reject(_ number: Int, by moderator: String, code: String, reason: String) throws(Refusal) -> [Action] {
        let i = try index(of: number)
        guard versions[i].state == .submitted else {
            throw Refusal(code: "not_submitted", message: "version \(number) is \(versions[i].state.rawValue), not submitted")
        }
        guard !code.isEmpty, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Refusal(code: "reason_required", message: "a rejection needs a code and a reason the partner can act on")
        }
        let rejection = Rejection(code: code, reason: reason)
        versions[i].state = .rejected
        versions[i].rejection = rejection
        return [.notifyRejection(number: number, rejection), .audit("version \(number) rejected by \(moderator): \(code)")]
    }

    /// The aggregator reports the Viber registration's outcome.
    mutating func registrationDecided(registered: Bool) throws(Refusal) -> [Action] {
        guard channel == .viber else { throw Refusal(code: "not_viber", message: "only Viber templates are registered with Viber") }
        let previous = serving
        registration = registered ? .registered : .refused
        guard registered, let number = versions.last(where: { $0.state == .approved })?.number else {
            return [.audit("Viber registration \(registered ? "granted" : "refused")")]
        }
        return [.startServing(number: number, replacing: previous), .audit("Viber registration granted")]
    }
}
