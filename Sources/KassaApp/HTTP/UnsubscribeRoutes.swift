import Channels
import Foundation

/// The one-click unsubscribe endpoint of non-transactional mail (RFC 8058): `POST /u/{token}` is
/// what a mail client sends for `List-Unsubscribe-Post` and what the confirmation page's button
/// sends; it records the unsubscribe and answers 200. `GET /u/{token}` only shows that page, since
/// mail scanners open links on their own. No bearer token: the signed token is the authority.
enum UnsubscribeRoutes {
    static func add(to router: inout Router, store: any KassaStore, links: UnsubscribeLinks?, clock: any WallClock) {
        router.add("GET", "/u/:token") { _, parameters in
            let resolution = try resolve(parameters["token"] ?? "", links: links, store: store)
            guard case .valid(let subject, let partner) = resolution else { return invalid(resolution) }
            return page(200, title: "Отписка от напоминаний", body: """
                <h1>Отписаться от напоминаний?</h1>
                <p>Вы больше не будете получать напоминания от «\(escape(partner))» на \(shown(subject)).</p>
                <p>Письма о ваших заказах — об оплате, готовности отчёта, возврате денег — будут приходить по-прежнему.</p>
                <form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">
                <button type="submit">Отписаться</button></form>
                """)
        }

        router.add("POST", "/u/:token") { request, parameters in
            let resolution = try resolve(parameters["token"] ?? "", links: links, store: store)
            guard case .valid(let subject, let partner) = resolution else { return invalid(resolution) }
            let oneClick = String(decoding: request.body.prefix(4096), as: UTF8.self).contains("List-Unsubscribe=One-Click")
            _ = try store.addSuppression(NewSuppression(partnerID: subject.partnerID, channel: subject.channel, address: subject.address,
                                                        reason: .unsubscribe, source: "one_click",
                                                        detail: oneClick ? "List-Unsubscribe=One-Click" : "a POST without the one-click body"),
                                         now: clock.now())
            return page(200, title: "Вы отписались", body: """
                <h1>Вы отписались</h1>
                <p>Напоминания от «\(escape(partner))» на \(shown(subject)) больше не придут.</p>
                <p>Письма о ваших заказах будут приходить по-прежнему. Если вы отписались по ошибке, напишите в поддержку «\(escape(partner))».</p>
                """)
        }
    }

    /// What a token in a link turned out to name.
    private enum Resolution {
        case valid(UnsubscribeLinks.Subject, partnerName: String)
        /// Not a token at all: cut short, or not base64url.
        case malformed
        /// Forged, or of a partner we do not have, or the service has no unsubscribe links.
        case unknown
    }

    private static func resolve(_ token: String, links: UnsubscribeLinks?, store: any KassaStore) throws -> Resolution {
        guard let links else { return .unknown }
        switch links.verify(token) {
        case .malformed:
            return .malformed
        case .forged:
            return .unknown
        case .valid(let subject):
            guard let partner = try store.partners().first(where: { $0.id == subject.partnerID }) else { return .unknown }
            return .valid(subject, partnerName: partner.name)
        }
    }

    /// The page for a link that does not work: 400 for what is not a token, 404 for one we did not make.
    private static func invalid(_ resolution: Resolution) -> HTTPResponse {
        let status: Int
        if case .malformed = resolution { status = 400 } else { status = 404 }
        return page(status, title: "Ссылка недействительна", body: """
            <h1>Ссылка недействительна</h1>
            <p>Ссылка для отписки повреждена или неполна. Откройте её из письма ещё раз целиком или нажмите «Отписаться» в вашей почтовой программе.</p>
            <p>Если не получается, напишите в поддержку компании, от которой пришло письмо.</p>
            """)
    }

    /// The address as the page shows it, partly hidden: `a•••@example.ru`.
    private static func shown(_ subject: UnsubscribeLinks.Subject) -> String {
        switch subject.channel {
        case .email:
            let parts = subject.address.split(separator: "@", maxSplits: 1)
            let local = parts.first.map { String($0.prefix(1)) } ?? ""
            return "адрес " + escape(local + "•••@" + (parts.count > 1 ? String(parts[1]) : ""))
        case .sms, .viber:
            return "номер " + escape("+7 ••• •••-" + String(subject.address.suffix(4).prefix(2)) + "-" + String(subject.address.suffix(2)))
        case .vk:
            return "страницу ВКонтакте"
        }
    }

    private static func escape(_ text: String) -> String { UnsubscribeLinks.escapeHTML(text) }

    static func page(_ status: Int, title: String, body: String) -> HTTPResponse {
        let html = """
            <!doctype html>
            <html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex"><title>\(title)</title>
            <style>body{font-family:-apple-system,'Segoe UI',Roboto,Arial,sans-serif;background:#f5f5f5;color:#222;margin:0}
            main{max-width:480px;margin:48px auto;background:#fff;padding:24px 28px;border-radius:8px}
            h1{font-size:22px}button{font-size:16px;padding:10px 20px;border:0;border-radius:6px;background:#0a5cad;color:#fff;cursor:pointer}</style>
            </head><body><main>
            \(body)
            </main></body></html>
            """
        return HTTPResponse(status: status, headers: [
            ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"), ("X-Robots-Tag", "noindex"),
            ("Referrer-Policy", "no-referrer"),
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"),
        ], body: Array(html.utf8))
    }
}
