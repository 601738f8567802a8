import Synchronization

/// What compiling needs beyond one template: the partial library, the filters, the limits, and
/// the partials parsed and compiled so far (each once, shared by every render).
final class CompileEnvironment: Sendable {
    let library: any TemplateLibrary
    let filters: FilterRegistry
    let limits: TemplateLimits
    private let documents = Mutex<[String: (Document, SourceUnit)]>([:])
    private let partials = Mutex<[String: PartialProgram]>([:])

    init(library: any TemplateLibrary, filters: FilterRegistry, limits: TemplateLimits) {
        self.library = library
        self.filters = filters
        self.limits = limits
    }

    /// The parsed partial `name`; a missing or malformed partial is an error at `offset` in `unit`.
    func document(named name: String, at offset: Int, from unit: SourceUnit) throws(TemplateError) -> (Document, SourceUnit) {
        if let cached = documents.withLock({ $0[name] }) { return cached }
        let source: String?
        do {
            source = try library.source(named: name)
        } catch {
            throw unit.error(.compile, "partial '\(name)' cannot be read: \(error)", at: offset)
        }
        guard let source else {
            throw unit.error(.compile, "partial '\(name)' does not exist", at: offset)
        }
        var parser = Parser(source: source, name: name, limits: limits)
        let document = try parser.parse()
        let entry = (document, SourceUnit(name: name, source: source))
        documents.withLock { $0[name] = entry }
        return entry
    }

    /// The parsed partial, or nil when it is missing or malformed (for the assignment pre-pass).
    func document(named name: String) throws -> (Document, SourceUnit)? {
        try document(named: name, at: 0, from: SourceUnit(name: name, source: ""))
    }

    /// The compiled partial for `render`, compiled on first use; a partial that renders itself gets
    /// the program that is still being compiled, filled in before any render can reach it.
    func partialProgram(named name: String, at offset: Int, from unit: SourceUnit) throws(TemplateError) -> PartialProgram {
        if let existing = partials.withLock({ $0[name] }) { return existing }
        let (document, partialUnit) = try self.document(named: name, at: offset, from: unit)
        let partial = PartialProgram(name: name)
        partials.withLock { $0[name] = partial }
        var compiler = Compiler(unit: partialUnit, environment: self)
        do {
            partial.set(try compiler.compile(document))
        } catch {
            partials.withLock { $0[name] = nil }
            throw error
        }
        return partial
    }
}
