/// A compiled template: parse and compile once, then render as often as needed, from any number
/// of tasks at once.
///
/// ```swift
/// let template = try Template(source: "Заказ {{ order.number }} оплачен", name: "sms")
/// let text = try template.render(["order": ["number": "R-77812"]])
/// ```
public struct Template: Sendable {
    public let name: String
    let program: Program
    let environment: CompileEnvironment

    /// Parses and compiles `source`; `library` supplies the partials of `render` and `include`.
    ///
    /// Throws a `TemplateError` with the line and column of the first problem.
    public init(source: String, name: String = "template", library: any TemplateLibrary = EmptyTemplateLibrary(),
                filters: FilterRegistry = .standard, limits: TemplateLimits = TemplateLimits()) throws(TemplateError) {
        self.name = name
        let environment = CompileEnvironment(library: library, filters: filters, limits: limits)
        var parser = Parser(source: source, name: name, limits: limits)
        let document = try parser.parse()
        var compiler = Compiler(unit: SourceUnit(name: name, source: source), environment: environment)
        self.program = try compiler.compile(document)
        self.environment = environment
    }

    /// Parses and compiles UTF-8 bytes, refusing invalid UTF-8 with the offset of the first bad byte.
    public init(bytes: [UInt8], name: String = "template", library: any TemplateLibrary = EmptyTemplateLibrary(),
                filters: FilterRegistry = .standard, limits: TemplateLimits = TemplateLimits()) throws(TemplateError) {
        guard let source = String(validating: bytes, as: UTF8.self) else {
            let valid = validUTF8Prefix(bytes)
            let text = String(decoding: bytes[..<valid], as: UTF8.self)
            throw TemplateError(.syntax, "the template is not valid UTF-8 (byte \(valid + 1))", name: name, source: text, offset: valid)
        }
        try self.init(source: source, name: name, library: library, filters: filters, limits: limits)
    }

    /// Renders the template against `data` (an object whose keys are the template's variables).
    public func render(_ data: Value, options: RenderOptions = RenderOptions()) throws(TemplateError) -> String {
        var renderer = Renderer(program: program, environment: environment, data: data, options: options)
        _ = try renderer.run(program.code, program.code.root)
        return renderer.out.string
    }
}

/// The length of the longest valid UTF-8 prefix.
func validUTF8Prefix(_ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBufferPointer(validUTF8Prefix)
}

/// The length of the longest valid UTF-8 prefix, by RFC 3629: no overlong forms, no surrogates,
/// nothing above U+10FFFF. (Read here rather than by `String(validating:as:)`, which is generic and
/// not specialized for us: the JSON parser checks every string of every request body with it.)
func validUTF8Prefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var i = 0
    let n = bytes.count
    while i < n {
        let lead = bytes[i]
        if lead < 0x80 {
            i += 1
            continue
        }
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return i
        }
        guard n - i >= length, (low...high).contains(bytes[i + 1]) else { return i }
        for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
        i += length
    }
    return i
}
