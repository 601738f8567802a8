import TemplateEngine

/// An event that produces notifications: its name, what it means, the variables its templates
/// may use (a JSON Schema), and realistic sample data for previews.
public struct EventDefinition: Sendable {
    public let name: String
    /// What the event means, in Russian, for partners and moderators.
    public let description: String
    public let schema: Schema
    public let sample: Value
    /// Whether the payer must get it to follow the order (paid, delayed, ready, refunded); a
    /// non-transactional one (the reminder) can be unsubscribed from and waits out quiet hours.
    public let transactional: Bool
}

/// The events that produce notifications, with their variables and sample data.
public enum EventCatalog {
    public static let all: [EventDefinition] = [
        event("order.paid", "Платёж получен: заказ оплачен, сформирован фискальный чек", paid),
        event("order.delayed", "Росреестр задерживает исполнение заказа; клиент может отменить заказ и вернуть деньги", delayed),
        event("order.ready", "Отчёт готов: ссылка на скачивание", ready),
        event("order.reminder", "Напоминание через несколько дней после выдачи отчёта", reminder, transactional: false),
        event("order.refunded", "Деньги возвращены клиенту, сформирован чек возврата", refunded),
    ]

    public static func named(_ name: String) -> EventDefinition? { all.first { $0.name == name } }

    public static var names: [String] { all.map(\.name) }

    private static func event(_ name: String, _ description: String, _ parts: (schema: String, sample: String),
                              transactional: Bool = true) -> EventDefinition {
        let key = name.split(separator: ".").last.map(String.init) ?? name
        let schemaText = """
            {"type": "object", "required": ["partner", "payer", "order", "\(key)"],
             "properties": {\(common.schema), \(parts.schema)}}
            """
        let sampleText = "{\(common.sample), \(parts.sample)}"
        do {
            return EventDefinition(name: name, description: description, schema: try Schema(json: schemaText),
                                   sample: try Value(json: sampleText), transactional: transactional)
        } catch {
            preconditionFailure("the built-in schema of \(name) is malformed: \(error)")
        }
    }

    private static let money = #""type": "integer", "format": "money""#

    private static let common = (
        schema: #"""
            "partner": {"type": "object", "description": "Партнёр, от имени которого идёт уведомление",
              "required": ["name", "support_email", "website_url"],
              "properties": {
                "name": {"type": "string", "description": "Название партнёра"},
                "brand_color": {"type": "string", "description": "Фирменный цвет, #rrggbb"},
                "logo_url": {"type": "string", "format": "uri", "description": "Логотип партнёра (https)"},
                "support_email": {"type": "string", "format": "email", "description": "Почта поддержки"},
                "support_phone": {"type": "string", "format": "phone", "description": "Телефон поддержки, +7…"},
                "website_url": {"type": "string", "format": "uri", "description": "Сайт партнёра"}}},
            "payer": {"type": "object", "description": "Клиент (плательщик)",
              "properties": {
                "name": {"type": "string", "description": "Имя клиента, если он его указал"},
                "email": {"type": "string", "format": "email"},
                "phone": {"type": "string", "format": "phone"}}},
            "order": {"type": "object", "description": "Заказ",
              "required": ["number", "created_at", "report", "cadastral_number", "amount", "status_url"],
              "properties": {
                "number": {"type": "string", "description": "Номер заказа у партнёра"},
                "created_at": {"type": "string", "format": "date-time"},
                "report": {"type": "string", "description": "Вид отчёта, например «Выписка из ЕГРН»"},
                "cadastral_number": {"type": "string", "description": "Кадастровый номер объекта"},
                "address": {"type": "string", "description": "Адрес объекта"},
                "amount": {\#(money), "description": "Сумма заказа в копейках"},
                "status_url": {"type": "string", "format": "uri", "description": "Страница заказа у партнёра"}}}
            """#,
        sample: #"""
            "partner": {"name": "ООО «Кадастр-Онлайн»", "brand_color": "#0a5cad",
              "logo_url": "https://cdn.kadastr-online.example/logo.png", "support_email": "help@kadastr-online.example",
              "support_phone": "+78005553535", "website_url": "https://kadastr-online.example"},
            "payer": {"name": "Анна", "email": "anna.ivanova@example.ru", "phone": "+79991234567"},
            "order": {"number": "KO-2026-001542", "created_at": "2026-11-26T09:15:00Z",
              "report": "Выписка из ЕГРН об основных характеристиках объекта", "cadastral_number": "77:01:0001001:1234",
              "address": "г. Москва, ул. Тверская, д. 7, кв. 15", "amount": 45000,
              "status_url": "https://kadastr-online.example/orders/KO-2026-001542"}
            """#
    )

    private static let paid = (
        schema: #"""
            "paid": {"type": "object", "required": ["amount", "paid_at", "method", "receipt"],
              "properties": {
                "amount": {\#(money), "description": "Оплачено, в копейках"},
                "paid_at": {"type": "string", "format": "date-time"},
                "method": {"type": "string", "description": "Способ оплаты: «Банковская карта», «СБП»"},
                "card_last4": {"type": "string", "description": "Последние цифры карты, если платили картой"},
                "receipt": {"type": "object", "description": "Фискальный чек (54-ФЗ)",
                  "required": ["url", "fiscal_document_number", "fiscal_sign", "fiscal_drive_number", "items", "total"],
                  "properties": {
                    "url": {"type": "string", "format": "uri", "description": "Чек на сайте ОФД"},
                    "fiscal_document_number": {"type": "string", "description": "ФД"},
                    "fiscal_sign": {"type": "string", "description": "ФП"},
                    "fiscal_drive_number": {"type": "string", "description": "ФН"},
                    "items": {"type": "array", "items": {"type": "object", "required": ["name", "quantity", "price", "amount"],
                      "properties": {
                        "name": {"type": "string"}, "quantity": {"type": "integer"},
                        "price": {\#(money)}, "amount": {\#(money)}}}},
                    "total": {\#(money)}}}}}
            """#,
        sample: #"""
            "paid": {"amount": 45000, "paid_at": "2026-11-26T09:17:42Z", "method": "Банковская карта", "card_last4": "4242",
              "receipt": {"url": "https://check.ofd.example/r/9961440300123456/1542/3141592653",
                "fiscal_document_number": "1542", "fiscal_sign": "3141592653", "fiscal_drive_number": "9961440300123456",
                "items": [{"name": "Выписка из ЕГРН об основных характеристиках объекта 77:01:0001001:1234",
                  "quantity": 1, "price": 45000, "amount": 45000}],
                "total": 45000}}
            """#
    )

    private static let delayed = (
        schema: #"""
            "delayed": {"type": "object", "required": ["legal_days", "days_late", "cancel_url"],
              "properties": {
                "legal_days": {"type": "integer", "description": "Срок по закону, рабочих дней"},
                "days_late": {"type": "integer", "description": "На сколько дней задержка"},
                "expected_at": {"type": "string", "format": "date-time", "description": "Новый ожидаемый срок, если известен"},
                "cancel_url": {"type": "string", "format": "uri", "description": "Кнопка «Отменить заказ» с возвратом денег"}}}
            """#,
        sample: #"""
            "delayed": {"legal_days": 3, "days_late": 2, "expected_at": "2026-12-02T12:00:00Z",
              "cancel_url": "https://pay.apikassa.example/orders/KO-2026-001542/cancel?t=7f3a9c"}
            """#
    )

    private static let ready = (
        schema: #"""
            "ready": {"type": "object", "required": ["download_url", "expires_at", "files"],
              "properties": {
                "download_url": {"type": "string", "format": "uri", "description": "Ссылка на скачивание отчёта"},
                "expires_at": {"type": "string", "format": "date-time", "description": "До какого времени действует ссылка"},
                "files": {"type": "array", "items": {"type": "object", "required": ["name", "size"],
                  "properties": {"name": {"type": "string"}, "size": {"type": "integer", "description": "Размер в байтах"}}}}}}
            """#,
        sample: #"""
            "ready": {"download_url": "https://kadastr-online.example/d/KO-2026-001542?t=5b2e71",
              "expires_at": "2026-12-26T09:17:42Z",
              "files": [{"name": "Выписка_77-01-0001001-1234.pdf", "size": 284113},
                        {"name": "Выписка_77-01-0001001-1234.xml.sig", "size": 4211}]}
            """#
    )

    private static let reminder = (
        schema: #"""
            "reminder": {"type": "object", "required": ["days_since", "new_order_url"],
              "properties": {
                "days_since": {"type": "integer", "description": "Дней с выдачи отчёта"},
                "new_order_url": {"type": "string", "format": "uri"},
                "review_url": {"type": "string", "format": "uri", "description": "Ссылка на отзыв, если партнёр её задал"}}}
            """#,
        sample: #"""
            "reminder": {"days_since": 21, "new_order_url": "https://kadastr-online.example/order",
              "review_url": "https://kadastr-online.example/reviews/new"}
            """#
    )

    private static let refunded = (
        schema: #"""
            "refunded": {"type": "object", "required": ["amount", "refunded_at", "receipt_url"],
              "properties": {
                "amount": {\#(money), "description": "Возвращено, в копейках"},
                "refunded_at": {"type": "string", "format": "date-time"},
                "reason": {"type": "string", "description": "Причина возврата"},
                "receipt_url": {"type": "string", "format": "uri", "description": "Чек возврата прихода"}}}
            """#,
        sample: #"""
            "refunded": {"amount": 45000, "refunded_at": "2026-12-01T10:02:11Z",
              "reason": "Росреестр не исполнил заказ в срок, клиент отменил заказ",
              "receipt_url": "https://check.ofd.example/r/9961440300123456/1601/2718281828"}
            """#
    )
}
