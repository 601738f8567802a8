/// A Russian phone number as people write it, brought to the form SMS.ru's examples use: eleven digits
/// starting with 7, no plus (`79990000000`).
///
/// Accepted: `+7` or `7` or `8` followed by ten digits, or ten digits starting with 9 (a mobile number
/// without the trunk prefix), with spaces, hyphens, dots and brackets anywhere. Anything else, a
/// foreign number included, is refused as a permanent failure whose reason names the problem but
/// not the number (it is personal data).
public enum RussianPhoneNumber {
    public static func normalize(_ text: String) throws(DeliveryFailure) -> String {
        var digits = ""
        var plus = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "0"..."9":
                digits.unicodeScalars.append(scalar)
            case "+" where digits.isEmpty && !plus:
                plus = true
            case " ", "\u{A0}", "\t", "-", "(", ")", ".":
                continue
            default:
                throw refusal("it has characters other than digits, spaces and + - ( ) .")
            }
        }
        if digits.isEmpty { throw refusal("it has no digits") }
        if plus {
            guard digits.hasPrefix("7") else {
                throw refusal("it is not a Russian number (+7); other countries are not sent through SMS.ru")
            }
            guard digits.count == 11 else {
                throw refusal("it has \(digits.count) digits; a number with +7 has 11")
            }
            return digits
        }
        switch (digits.count, digits.first) {
        case (11, "7"?):
            return digits
        case (11, "8"?):
            return "7" + digits.dropFirst()
        case (10, "9"?):
            return "7" + digits
        default:
            throw refusal("it has \(digits.count) digits; a Russian number is +7, 7 or 8 and ten digits, or ten digits starting with 9")
        }
    }

    private static func refusal(_ why: String) -> DeliveryFailure {
        DeliveryFailure(.permanent, code: "phone", reason: "the recipient is not a Russian phone number: \(why)")
    }
}
