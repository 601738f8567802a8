/// RFC 2047 `=?UTF-8?B?…?=` encoded words for non-ASCII header text.
///
/// A word is at most 75 characters including its wrapper, and a word never ends inside a
/// Character (or, for a Character longer than one word can hold, inside a Unicode scalar), so each
/// word is valid UTF-8 on its own, as RFC 2047 section 5 requires.
enum EncodedWord {
    /// The longest encoded word RFC 2047 allows.
    static let maximumLength = 75
    static let prefix = "=?UTF-8?B?"
    static let suffix = "?="

    /// How many bytes of text fit in a word of at most `length` characters (0 when not even one group fits).
    static func payloadCapacity(wordLength length: Int) -> Int {
        let base64Characters = min(length, maximumLength) - prefix.count - suffix.count
        return max(0, base64Characters / 4 * 3)
    }

    /// The text cut into pieces that may each be encoded alone: Characters, or the scalars of a
    /// Character too large for one word (a long emoji sequence or a pile of combining marks).
    static func units(of text: String) -> [[UInt8]] {
        let wordCapacity = payloadCapacity(wordLength: maximumLength)
        var units: [[UInt8]] = []
        for character in text {
            let bytes = Array(character.utf8)
            if bytes.count <= wordCapacity {
                units.append(bytes)
            } else {
                units.append(contentsOf: character.unicodeScalars.map { Array(String($0).utf8) })
            }
        }
        return units
    }

    /// One encoded word for the given bytes.
    static func word(_ bytes: [UInt8]) -> String {
        prefix + MIMEBase64.encode(bytes) + suffix
    }

    /// The whole text as words of at most `maximumLength` characters, the first at most `firstLength`.
    static func words(for text: String, firstLength: Int = maximumLength) -> [String] {
        var words: [String] = []
        var pending: [UInt8] = []
        var capacity = payloadCapacity(wordLength: firstLength)
        for unit in units(of: text) {
            if pending.count + unit.count > capacity, !pending.isEmpty {
                words.append(word(pending))
                pending = []
                capacity = payloadCapacity(wordLength: maximumLength)
            }
            pending.append(contentsOf: unit)
        }
        if !pending.isEmpty || words.isEmpty {
            words.append(word(pending))
        }
        return words
    }
}
