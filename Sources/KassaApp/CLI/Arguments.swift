/// A command line split into positional arguments, `--flag`s and `--option value`s.
struct Arguments {
    private(set) var positional: [String] = []
    private var options: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// Parses `words` knowing which options take a value; anything else starting with `--` is a flag
    /// and must be in `flagNames`.
    init(_ words: [String], options optionNames: Set<String>, flags flagNames: Set<String>) throws(UsageError) {
        var i = 0
        var onlyPositional = false
        while i < words.count {
            let word = words[i]
            i += 1
            if onlyPositional || !word.hasPrefix("--") || word == "-" {
                if !onlyPositional, word.hasPrefix("-"), word != "-", word.count > 1, !word.dropFirst().allSatisfy(\.isNumber) {
                    throw UsageError("unknown option '\(word)'")
                }
                positional.append(word)
                continue
            }
            if word == "--" {
                onlyPositional = true
                continue
            }
            var name = String(word.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if optionNames.contains(name) {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard i < words.count else { throw UsageError("option '--\(name)' needs a value") }
                    value = words[i]
                    i += 1
                }
                options[name, default: []].append(value)
            } else if flagNames.contains(name) {
                guard inlineValue == nil else { throw UsageError("'--\(name)' takes no value") }
                flags.insert(name)
            } else {
                throw UsageError("unknown option '--\(name)'")
            }
        }
    }

    func option(_ name: String) -> String? { options[name]?.last }
    func all(_ name: String) -> [String] { options[name] ?? [] }
    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// Exactly `count` positional arguments, named for the error message.
    func expectPositional(_ names: [String]) throws(UsageError) -> [String] {
        if positional.count < names.count { throw UsageError("missing \(names[positional.count])") }
        if positional.count > names.count { throw UsageError("unexpected argument '\(positional[names.count])'") }
        return positional
    }
}
