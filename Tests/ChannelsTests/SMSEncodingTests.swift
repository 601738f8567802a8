import Testing
@testable import Channels

/// Every character the GSM 03.38 basic table holds, as listed in the specification, escape excluded.
private let basicCharacters = Array((
    "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./0123456789:;<=>?¡"
        + "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\n\r "
).unicodeScalars)

/// The ten characters of the extension table.
private let extensionCharacters = Array("\u{0C}^{}\\[~]|€".unicodeScalars)

@Test func basicTableHasEverySeptetInOrder() {
    let table = GSM0338.basicTable
    #expect(table.count == 128)
    #expect(Set(table).count == 128)
    let positions: [(septet: Int, scalar: Unicode.Scalar)] = [
        (0x00, "@"), (0x01, "£"), (0x02, "$"), (0x03, "¥"), (0x09, "Ç"), (0x0A, "\n"), (0x0B, "Ø"),
        (0x0D, "\r"), (0x10, "Δ"), (0x11, "_"), (0x1A, "Ξ"), (0x1B, "\u{1B}"), (0x1F, "É"),
        (0x20, " "), (0x24, "¤"), (0x40, "¡"), (0x41, "A"), (0x5B, "Ä"), (0x5F, "§"), (0x60, "¿"),
        (0x61, "a"), (0x7B, "ä"), (0x7F, "à"),
    ]
    for (septet, scalar) in positions {
        #expect(table[septet] == scalar, "septet 0x\(String(septet, radix: 16))")
    }
}

@Test func specificationListMatchesBasicTable() {
    #expect(basicCharacters.count == 127)
    #expect(Set(basicCharacters) == GSM0338.basic)
}

@Test(arguments: basicCharacters)
func basicCharacterIsOneSeptet(_ scalar: Unicode.Scalar) {
    #expect(SMSInfo(text: String(scalar)) == SMSInfo(encoding: .gsm7, units: 1, parts: 1))
}

@Test(arguments: extensionCharacters)
func extensionCharacterIsTwoSeptets(_ scalar: Unicode.Scalar) {
    #expect(SMSInfo(text: String(scalar)) == SMSInfo(encoding: .gsm7, units: 2, parts: 1))
}

/// Characters that look like GSM ones or turn up in real templates but are outside both tables.
@Test(arguments: [
    "ç", "\u{2126}", "\u{2206}", "\u{A0}", "`", "\u{391}", "\u{410}", "e\u{301}", "\u{1B}", "\t",
    "№", "₽", "«", "—", "’", "😀",
])
func characterOutsideTablesIsUCS2(_ text: String) {
    #expect(SMSInfo(text: text) == SMSInfo(encoding: .ucs2, units: text.utf16.count, parts: 1))
}

@Test func encodingRawValuesAreProviderNames() {
    #expect(SMSEncoding.gsm7.rawValue == "GSM-7")
    #expect(SMSEncoding.ucs2.rawValue == "UCS-2")
}
