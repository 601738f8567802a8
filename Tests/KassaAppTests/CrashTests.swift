import Foundation
import Testing
import TemplateEngine
import TestPeers
@testable import KassaApp

/// `kill -9` in the middle of sending: every event the service acknowledged is delivered after a
/// restart, and a message sent again carries the same Message-ID, so that it is recognisable.
@Suite(.serialized) struct CrashTests {
    @Test func killingTheServiceLosesNoAcceptedEvent() async throws {
        guard FileManager.default.isExecutableFile(atPath: ServeProcessTests.executable.path) else {
            Issue.record("kassa is not built at \(ServeProcessTests.executable.path)")
            return
        }
        // A slow SMTP server (a quarter of a second a message, two connections: at most 8 a second),
        // so that the kill finds messages in flight and in the outbox however fast the 20 requests go.
        let peer = try PythonPeer("smtp_server.py", ["--delay", "0.25"])
        let smtpPort = try await peer.port()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let (partnerID, operatorToken): (String, String) = try {
            let store = try SQLiteStore(dataDirectory: data)
            let (partner, _, _) = try store.createPartner(name: "P")
            for host in LinkHosts.hosts(inSamplesOf: EventCatalog.all) { try store.addLinkHost(host, partnerID: partner.id) }
            return (partner.id, try store.createOperator(name: "ops").token.secret)
        }()
        let config = dir.appendingPathComponent("kassa.json")
        try #"{"providers": {"smtp": {"url": "smtp://127.0.0.1:\#(smtpPort)", "tls": "none", "from": "noreply@apikassa.ru", "connections": "2"}}}"#
            .write(to: config, atomically: true, encoding: .utf8)
        let arguments = ["--config", config.path, "--data-dir", data.path, "--port", "0", "--base-templates", BaseTemplateTests.root.path]

        let first = try ServeProcessTests.Server(arguments)
        let port = try #require(try await first.port(), "stderr: \(first.stderr)")
        let sample = try #require(EventCatalog.named("order.paid")).sample.jsonString
        var acknowledged: [String: String] = [:]   // event id -> its e-mail notification id
        for n in 0..<40 {
            if n == 20 { kill(first.process.processIdentifier, SIGKILL) }
            let body = #"{"id": "ev-\#(n)", "type": "order.paid", "partner_id": "\#(partnerID)", "order_id": "KO-\#(n)", "data": \#(sample), "contacts": {"email": "payer\#(n)@example.ru"}}"#
            guard let response = try? await LoopbackHTTP.call("POST", "http://127.0.0.1:\(port)/v1/events",
                                                              headers: [("Authorization", "Bearer " + operatorToken)], body: Array(body.utf8)),
                  response.status == 202,
                  case .object(let answer) = try Value(jsonBytes: response.body), case .array(let list)? = answer["notifications"],
                  case .object(let notification)? = list.first, let id = notification["id"]?.stringValue
            else { continue }
            acknowledged["ev-\(n)"] = id
        }
        #expect(ChildProcess.wait(first.process, timeout: 30) != nil, "the killed server is gone")
        #expect(acknowledged.count == 20)
        let beforeRestart = messageIDs(peer)
        // The kill came while the outbox still held most of them.
        #expect(beforeRestart.count < acknowledged.count)

        let second = try ServeProcessTests.Server(arguments)
        _ = try #require(try await second.port(), "stderr: \(second.stderr)")
        let expected = Set(acknowledged.values.map { "<\($0).email@apikassa.ru>" })
        _ = try await peer.wait(for: "every acknowledged event's message") { _ in expected.isSubset(of: Set(messageIDs(peer))) }
        #expect(second.stop() == 0)
        let received = messageIDs(peer)
        // Nothing arrived that was not acknowledged; a message sent again (in flight at the kill, or
        // retried after a timeout on a loaded machine) carries the same Message-ID as its first copy.
        #expect(Set(received) == expected)
        #expect(received.count >= expected.count)
    }

    private func messageIDs(_ peer: PythonPeer) -> [String] {
        peer.events.filter { $0["event"] as? String == "message" }.compactMap { event -> String? in
            guard let data = (event["data"] as? String).flatMap({ Data(base64Encoded: $0) }) else { return nil }
            let text = String(decoding: data, as: UTF8.self)
            return text.components(separatedBy: "\r\n").first { $0.hasPrefix("Message-ID: ") }.map { String($0.dropFirst("Message-ID: ".count)) }
        }
    }
}
