/// Our filters beyond Liquid's: money in kopecks, Russian plurals, phone numbers, and `raw`.
enum ExtensionFilters {
    static let all: [FilterDefinition] = [money, plural, phone, raw]

    /// `{{ 123450 | money }}` → `1 234,50 ₽`: integer kopecks, groups and the sign set off by no-break spaces.
    static let money = FilterDefinition("money") { input, _, _ in
        switch input {
        case .nil: return .nil
        case .int(let kopecks): return .string(formatMoney(kopecks))
        default: throw FilterError("expects an amount in integer kopecks, not \(input.typeName) \(input.inspect)")
        }
    }

    /// `{{ n | plural: "день", "дня", "дней" }}`: the form for `n` by the CLDR rules for Russian.
    static let plural = FilterDefinition("plural", arity: 3...3) { input, args, _ in
        let forms = (0..<3).map { args[$0]?.liquidString ?? "" }
        switch input {
        case .nil: return .nil
        case .int(let n): return .string(forms[russianPluralCategory(n).rawValue])
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: return .string(forms[russianPluralCategory(Int(d)).rawValue])
        case .double: return .string(forms[1])
        case .string(let s):
            if let n = Int(s.trimmingWhitespace) { return .string(forms[russianPluralCategory(n).rawValue]) }
            throw FilterError("expects a number, not the string \(input.inspect)")
        default: throw FilterError("expects a number, not \(input.typeName)")
        }
    }

    /// `{{ "+79991234567" | phone }}` → `+7 (999) 123-45-67`; numbers it cannot read pass through.
    static let phone = FilterDefinition("phone") { input, _, _ in
        guard case .string(let s) = input else { return input }
        return .string(formatRussianPhone(s) ?? s)
    }

    /// `{{ html | raw }}`: writes the value without HTML escaping — the visible opt-out a moderator reviews.
    static let raw = FilterDefinition("raw") { input, _, _ in input }
}

/// Russian plural categories in the order the `plural` filter takes its forms.
enum RussianPlural: Int {
    case one = 0, few = 1, many = 2
}

/// CLDR plural rules for Russian integers: 1, 21, 101 → one; 2–4, 22–24 → few; the rest many.
func russianPluralCategory(_ n: Int) -> RussianPlural {
    let m = n.magnitude
    let mod10 = m % 10, mod100 = m % 100
    if mod10 == 1 && mod100 != 11 { return .one }
    if (2...4).contains(mod10) && !(12...14).contains(mod100) { return .few }
    return .many
}

/// `1 234,50 ₽` with U+00A0 between digit groups and before the sign.
func formatMoney(_ kopecks: Int) -> String {
    let negative = kopecks < 0
    let magnitude = kopecks.magnitude
    let rubles = String(magnitude / 100)
    let cents = magnitude % 100
    var grouped = ""
    for (i, ch) in rubles.enumerated() {
        if i > 0 && (rubles.count - i) % 3 == 0 { grouped.append("\u{00A0}") }
        grouped.append(ch)
    }
    return (negative ? "-" : "") + grouped + "," + (cents < 10 ? "0" : "") + String(cents) + "\u{00A0}₽"
}

/// `+7 (999) 123-45-67` from `+79991234567`, `89991234567` or `9991234567`; nil when it is not a Russian number.
func formatRussianPhone(_ text: String) -> String? {
    // Numbers as data hold ASCII only: read by bytes. Other text is read by characters below.
    if text.utf8.allSatisfy({ $0 < 0x80 }) {
        var digits: [UInt8] = []
        digits.reserveCapacity(11)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(byte)
            case UInt8(ascii: " "), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"): continue
            default: return nil
            }
        }
        if digits.count == 10 { digits.insert(UInt8(ascii: "7"), at: 0) }
        guard digits.count == 11, digits[0] == UInt8(ascii: "7") || digits[0] == UInt8(ascii: "8") else { return nil }
        var out = Array("+7 (".utf8)
        out.reserveCapacity(18)
        out += digits[1..<4]
        out += ") ".utf8
        out += digits[4..<7]
        out.append(UInt8(ascii: "-"))
        out += digits[7..<9]
        out.append(UInt8(ascii: "-"))
        out += digits[9..<11]
        return String(decoding: out, as: UTF8.self)
    }
    return formatRussianPhoneByCharacters(text)
}

/// The `phone` filter's rules read by characters: a number of another script counts as an
/// allowed character but not as a digit.
func formatRussianPhoneByCharacters(_ text: String) -> String? {
    var digits = text.filter { $0.isASCII && $0.isNumber }
    guard text.allSatisfy({ $0.isNumber || " +-()".contains($0) }) else { return nil }
    if digits.count == 10 { digits = "7" + digits }
    guard digits.count == 11, digits.first == "7" || digits.first == "8" else { return nil }
    let d = Array(digits.dropFirst())
    return "+7 (\(String(d[0..<3]))) \(String(d[3..<6]))-\(String(d[6..<8]))-\(String(d[8..<10]))"
}
