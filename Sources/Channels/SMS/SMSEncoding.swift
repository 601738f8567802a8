/// The character encoding an SMS is sent in, which decides how much text fits in one part.
public enum SMSEncoding: String, Sendable {
    /// The GSM 03.38 default alphabet plus its extension table, 160 units in a single part.
    case gsm7 = "GSM-7"
    /// UTF-16 code units, used as soon as one character is outside GSM 03.38, 70 units in a single part.
    case ucs2 = "UCS-2"
}

extension SMSEncoding {
    /// The encoding a provider must use for these scalars: GSM-7 only if every one is in a GSM 03.38 table.
    init(for scalars: String.UnicodeScalarView) {
        self = scalars.allSatisfy { GSM0338.septets(for: $0) != nil } ? .gsm7 : .ucs2
    }

    /// Units that fit in a message sent as one part, with no concatenation header.
    var singlePartLimit: Int {
        switch self {
        case .gsm7: 160
        case .ucs2: 70
        }
    }

    /// Units that fit in each part of a concatenated message, after the 6-octet header.
    var multipartLimit: Int {
        switch self {
        case .gsm7: 153
        case .ucs2: 67
        }
    }

    /// Units one scalar takes; for GSM-7 the caller has already checked that the scalar is representable.
    func units(of scalar: Unicode.Scalar) -> Int {
        switch self {
        case .gsm7: GSM0338.septets(for: scalar) ?? 1
        case .ucs2: UTF16.width(scalar)
        }
    }
}

/// The GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table, as Unicode scalars.
///
/// Text is compared scalar by scalar with no normalization, because a provider sends exactly the
/// scalars it receives: a decomposed "é" (e + U+0301), "ç", the ohm sign U+2126 or a no-break space
/// are not in the tables and make a message UCS-2.
enum GSM0338 {
    /// The basic table in septet order, index = septet value; 0x1B is the escape to the extension table.
    static let basicTable: [Unicode.Scalar] = Array((
        "@£$¥èéùìòÇ\nØø\rÅå"
        + "Δ_ΦΓΛΩΠΨΣΘΞ\u{1B}ÆæßÉ"
        + " !\"#¤%&'()*+,-./"
        + "0123456789:;<=>?"
        + "¡ABCDEFGHIJKLMNO"
        + "PQRSTUVWXYZÄÖÑÜ§"
        + "¿abcdefghijklmno"
        + "pqrstuvwxyzäöñüà"
    ).unicodeScalars)

    /// The escape septet that announces a character from the extension table.
    static let escape: Unicode.Scalar = "\u{1B}"

    /// Characters sent as one septet; the escape itself is not a character a message may contain.
    static let basic: Set<Unicode.Scalar> = Set(basicTable).subtracting([escape])

    /// Characters sent as escape + septet: form feed ^ { } \ [ ~ ] | €.
    static let extensionTable: Set<Unicode.Scalar> = Set("\u{0C}^{}\\[~]|€".unicodeScalars)

    /// Septets a scalar takes in GSM-7, or nil when GSM-7 cannot carry it.
    static func septets(for scalar: Unicode.Scalar) -> Int? {
        if basic.contains(scalar) { return 1 }
        if extensionTable.contains(scalar) { return 2 }
        return nil
    }
}
