import Foundation

/// The values of a registered Viber template's placeholders, taken from our rendered text.
///
/// A Viber template is registered with the aggregator as its fixed text with a placeholder where
/// each `{{ … }}` output of ours stands (edna takes the template's id and the values, not the
/// text). Such a template is plain text and outputs only: no tags, no two outputs side by side, at
/// most five, fixed text at both ends, as Viber's rules ask. The values are what the rendered text
/// has where the outputs stood, found by matching the fixed pieces in order; nil when the template
/// is not of that form or the text does not match it.
///
/// ```swift
/// ViberTemplateValues.extract(source: "Заказ {{ order.number }} оплачен: {{ paid.amount | money }}.",
///                             rendered: "Заказ KO-7 оплачен: 450,00 ₽.")   // ["KO-7", "450,00 ₽"]
/// ```
enum ViberTemplateValues {
    /// The most placeholders a Viber template may have.
    static let maxPlaceholders = 5

    /// The fixed pieces of `source`, one more than its outputs; nil when it is not plain text with outputs.
    static func fixedPieces(of source: String) -> [String]? {
        guard !source.contains("{%") else { return nil }
        var pieces: [String] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            pieces.append(String(rest[..<open.lowerBound]))
            guard let close = rest[open.upperBound...].range(of: "}}") else { return nil }
            rest = rest[close.upperBound...]
        }
        pieces.append(String(rest))
        let outputs = pieces.count - 1
        // Fixed text at both ends and between every two outputs, so the values can be told apart.
        guard outputs <= maxPlaceholders, pieces.allSatisfy({ !$0.isEmpty }) else { return nil }
        return pieces
    }

    static func extract(source: String, rendered: String) -> [String]? {
        guard let pieces = fixedPieces(of: source), let first = pieces.first, let last = pieces.last,
              rendered.hasPrefix(first), rendered.hasSuffix(last), rendered.count >= first.count + last.count || pieces.count == 1
        else { return nil }
        if pieces.count == 1 { return rendered == first ? [] : nil }
        var values: [String] = []
        var position = rendered.index(rendered.startIndex, offsetBy: first.count)
        let end = rendered.index(rendered.endIndex, offsetBy: -last.count)
        guard position <= end else { return nil }
        for piece in pieces.dropFirst().dropLast() {
            guard let found = rendered.range(of: piece, range: position..<end) else { return nil }
            values.append(String(rendered[position..<found.lowerBound]))
            position = found.upperBound
        }
        values.append(String(rendered[position..<end]))
        // The values put back into the fixed text must give the rendered text again.
        var rebuilt = first
        for (value, piece) in zip(values, pieces.dropFirst()) { rebuilt += value + piece }
        return rebuilt == rendered ? values : nil
    }
}
