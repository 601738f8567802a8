import Testing
@testable import Channels

/// One row of the segmentation table: a text and what a provider would bill for it.
struct SegmentCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let encoding: SMSEncoding
    let units: Int
    let parts: Int

    var testDescription: String { name }
}

private func repeated(_ text: String, _ count: Int) -> String {
    String(repeating: text, count: count)
}

private let notification = "Заказ R-77812 оплачен: 1 234,50 ₽. Чек: https://apikassa.ru/r/7Kq2Xw9p"

private let segmentCases: [SegmentCase] = [
    SegmentCase(name: "empty text is no SMS at all", text: "", encoding: .gsm7, units: 0, parts: 0),
    SegmentCase(name: "1 GSM char", text: "a", encoding: .gsm7, units: 1, parts: 1),
    SegmentCase(name: "160 GSM chars", text: repeated("a", 160), encoding: .gsm7, units: 160, parts: 1),
    SegmentCase(name: "161 GSM chars", text: repeated("a", 161), encoding: .gsm7, units: 161, parts: 2),
    SegmentCase(name: "306 GSM chars", text: repeated("a", 306), encoding: .gsm7, units: 306, parts: 2),
    SegmentCase(name: "307 GSM chars", text: repeated("a", 307), encoding: .gsm7, units: 307, parts: 3),
    SegmentCase(name: "euro sign", text: "€", encoding: .gsm7, units: 2, parts: 1),
    SegmentCase(
        name: "extension char ending at unit 160", text: repeated("a", 158) + "€",
        encoding: .gsm7, units: 160, parts: 1),
    SegmentCase(
        name: "extension char ending at unit 161", text: repeated("a", 159) + "€",
        encoding: .gsm7, units: 161, parts: 2),
    SegmentCase(
        name: "CR LF is one Character but two units", text: repeated("a", 158) + "\r\n",
        encoding: .gsm7, units: 160, parts: 1),
    SegmentCase(
        name: "CR LF pushing past 160", text: repeated("a", 159) + "\r\n",
        encoding: .gsm7, units: 161, parts: 2),
    SegmentCase(
        name: "extension char at unit 153 moves to part 2", text: repeated("a", 152) + "€" + repeated("a", 9),
        encoding: .gsm7, units: 163, parts: 2),
    SegmentCase(
        name: "moved extension char costs a third part", text: repeated("a", 152) + "€" + repeated("a", 152),
        encoding: .gsm7, units: 306, parts: 3),
    SegmentCase(name: "70 Cyrillic", text: repeated("ж", 70), encoding: .ucs2, units: 70, parts: 1),
    SegmentCase(name: "71 Cyrillic", text: repeated("ж", 71), encoding: .ucs2, units: 71, parts: 2),
    SegmentCase(name: "134 Cyrillic", text: repeated("ж", 134), encoding: .ucs2, units: 134, parts: 2),
    SegmentCase(name: "135 Cyrillic", text: repeated("ж", 135), encoding: .ucs2, units: 135, parts: 3),
    SegmentCase(
        name: "emoji ending at unit 70", text: repeated("ж", 68) + "😀",
        encoding: .ucs2, units: 70, parts: 1),
    SegmentCase(
        name: "emoji ending at unit 71", text: repeated("ж", 69) + "😀",
        encoding: .ucs2, units: 71, parts: 2),
    SegmentCase(
        name: "emoji at unit 67 moves to part 2", text: repeated("ж", 66) + "😀" + repeated("ж", 10),
        encoding: .ucs2, units: 78, parts: 2),
    SegmentCase(
        name: "moved emoji costs a third part", text: repeated("ж", 66) + "😀" + repeated("ж", 66),
        encoding: .ucs2, units: 134, parts: 3),
    SegmentCase(name: "36 emoji", text: repeated("😀", 36), encoding: .ucs2, units: 72, parts: 2),
    SegmentCase(
        name: "one Cyrillic letter turns Latin text into UCS-2", text: repeated("a", 140) + "б",
        encoding: .ucs2, units: 141, parts: 3),
    SegmentCase(
        name: "Cyrillic homoglyph in Latin text", text: "Your order R-77812 is re\u{430}dy.",
        encoding: .ucs2, units: 28, parts: 1),
    SegmentCase(name: "Russian payment notification", text: notification, encoding: .ucs2, units: 70, parts: 1),
    SegmentCase(
        name: "longer Russian payment notification",
        text: notification + " Отчёт из ЕГРН придёт на e-mail в течение 3 рабочих дней.",
        encoding: .ucs2, units: 127, parts: 2),
]

@Test(arguments: segmentCases)
func analyze(_ row: SegmentCase) {
    #expect(SMSInfo(text: row.text) == SMSInfo(encoding: row.encoding, units: row.units, parts: row.parts))
}

@Test(arguments: segmentCases)
func splitAgreesWithAnalysis(_ row: SegmentCase) {
    let parts = SMSInfo.split(row.text)
    #expect(parts.count == row.parts)
    #expect(Array(parts.joined().unicodeScalars) == Array(row.text.unicodeScalars))

    let limit = row.parts > 1 ? row.encoding.multipartLimit : row.encoding.singlePartLimit
    let partUnits = parts.map { row.encoding == .gsm7 ? SMSInfo(text: $0).units : $0.utf16.count }
    #expect(partUnits.reduce(0, +) == row.units)
    #expect(partUnits.allSatisfy { $0 <= limit }, "part units \(partUnits)")
}

@Test func splitFillsPartsBeforeStartingAnother() {
    #expect(SMSInfo.split(repeated("a", 161)) == [repeated("a", 153), repeated("a", 8)])
    #expect(SMSInfo.split(repeated("ж", 135)) == [repeated("ж", 67), repeated("ж", 67), "ж"])
}

@Test func splitMovesExtensionCharWhole() {
    let text = repeated("a", 152) + "€" + repeated("a", 9)
    #expect(SMSInfo.split(text) == [repeated("a", 152), "€" + repeated("a", 9)])
}

@Test func splitMovesSurrogatePairWhole() {
    let text = repeated("ж", 66) + "😀" + repeated("ж", 10)
    #expect(SMSInfo.split(text) == [repeated("ж", 66), "😀" + repeated("ж", 10)])
}

@Test func splitBreaksCRLFBetweenScalars() {
    let parts = SMSInfo.split(repeated("a", 152) + "\r\n" + repeated("a", 10))
    #expect(parts.map { Array($0.unicodeScalars) } == [
        Array((repeated("a", 152) + "\r").unicodeScalars),
        Array(("\n" + repeated("a", 10)).unicodeScalars),
    ])
}

@Test func splitOfEmptyTextIsNoParts() {
    #expect(SMSInfo.split("").isEmpty)
}
