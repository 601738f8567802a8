import Foundation

/// A phone number as edna takes it for Viber: digits only, country code first, no plus
/// (`"phone": "79090000000"` in edna's examples). Russian numbers may be written in any of the
/// usual ways: `+7 (999) 123-45-67`, `8 999 123 45 67`, `89991234567`, `9991234567`.
enum ViberPhoneNumber {
    /// `text` as `7XXXXXXXXXX` (or the international digits it spells), or nil when it is not a phone number.
    static func normalized(_ text: String) -> String? {
        var digits = ""
        var plus = false
        for (index, character) in text.trimmingCharacters(in: .whitespaces).enumerated() {
            switch character {
            case "0"..."9": digits.append(character)
            case "+" where index == 0: plus = true
            case " ", "-", "(", ")", ".", "\u{00A0}": continue
            default: return nil
            }
        }
        guard let first = digits.first, first != "0" else { return nil }
        if plus {
            // Written internationally: taken as it stands (E.164 allows up to 15 digits).
            return (10...15).contains(digits.count) ? digits : nil
        }
        switch digits.count {
        case 10:
            // A Russian number without the country code.
            return "7" + digits
        case 11 where first == "8":
            // The Russian trunk prefix 8 instead of +7.
            return "7" + digits.dropFirst()
        case 11...15:
            return digits
        default:
            return nil
        }
    }
}
