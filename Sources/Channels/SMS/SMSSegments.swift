/// How a text travels as SMS: its encoding, its length in encoding units and the number of parts billed.
public struct SMSInfo: Sendable, Equatable {
    /// The encoding the whole message is sent in.
    public let encoding: SMSEncoding
    /// The length in septets for GSM-7 (extension characters count 2) or in UTF-16 code units for UCS-2.
    public let units: Int
    /// The number of SMS parts, found by packing whole characters into parts; empty text is 0 parts.
    public let parts: Int
}

extension SMSInfo {
    /// Analyzes `text` as sent, counting empty text as 0 units in 0 parts, as most providers do.
    public init(text: String) {
        let segmentation = SMSSegmentation(text)
        self.encoding = segmentation.encoding
        self.units = segmentation.units
        self.parts = segmentation.parts.count
    }

    /// Splits `text` into the parts a provider sends, one string per part; empty text gives no parts.
    public static func split(_ text: String) -> [String] {
        let segmentation = SMSSegmentation(text)
        return segmentation.parts.map { String(text.unicodeScalars[$0]) }
    }
}

/// The single computation behind both `SMSInfo(text:)` and `SMSInfo.split(_:)`, so count and text always agree.
///
/// Parts are packed scalar by scalar, never by dividing the unit count: a GSM-7 escape pair or a
/// UTF-16 surrogate pair that does not fit in the rest of a part moves whole to the next one, which
/// can need one more part than `ceil(units / limit)`. Parts break between Unicode scalars, not between
/// Swift `Character`s, so "\r\n" or an emoji ZWJ sequence may straddle two parts, as on the air.
struct SMSSegmentation {
    let encoding: SMSEncoding
    let units: Int
    let parts: [Range<String.UnicodeScalarView.Index>]

    init(_ text: String) {
        let scalars = text.unicodeScalars
        let encoding = SMSEncoding(for: scalars)
        let units = scalars.reduce(0) { $0 + encoding.units(of: $1) }
        self.encoding = encoding
        self.units = units

        if units == 0 {
            self.parts = []
        } else if units <= encoding.singlePartLimit {
            self.parts = [scalars.startIndex..<scalars.endIndex]
        } else {
            var parts: [Range<String.UnicodeScalarView.Index>] = []
            var partStart = scalars.startIndex
            var partUnits = 0
            for index in scalars.indices {
                let width = encoding.units(of: scalars[index])
                if partUnits + width > encoding.multipartLimit {
                    parts.append(partStart..<index)
                    partStart = index
                    partUnits = 0
                }
                partUnits += width
            }
            parts.append(partStart..<scalars.endIndex)
            self.parts = parts
        }
    }
}
