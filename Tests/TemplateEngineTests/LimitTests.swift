import Testing
@testable import TemplateEngine

private func limitError(_ source: String, limits: TemplateLimits = TemplateLimits(), partials: [String: String] = [:]) -> TemplateError? {
    do {
        let template = try Template(source: source, library: InMemoryTemplateLibrary(partials), limits: limits)
        _ = try template.render([:], options: RenderOptions(limits: limits))
        return nil
    } catch {
        return error
    }
}

@Suite struct LimitTests {
    @Test func hugeRangesAreNeverMaterialised() throws {
        let error = try #require(limitError("{% for i in (1..1000000000000) %}{% endfor %}"))
        #expect(error.kind == .limit)
    }

    @Test func emptyLoopBodiesStillCountIterations() throws {
        var limits = TemplateLimits()
        limits.maxLoopIterations = 1_000
        #expect(limitError("{% for i in (1..1000) %}{% endfor %}", limits: limits) == nil)
        let error = try #require(limitError("{% for i in (1..1001) %}{% endfor %}", limits: limits))
        #expect(error.message == "loops ran more than 1000 iterations")
    }

    @Test func nestedLoopsShareOneBudget() throws {
        var limits = TemplateLimits()
        limits.maxLoopIterations = 100
        #expect(limitError("{% for i in (1..9) %}{% for j in (1..10) %}{% endfor %}{% endfor %}", limits: limits) == nil)
        #expect(limitError("{% for i in (1..10) %}{% for j in (1..10) %}{% endfor %}{% endfor %}", limits: limits)?.kind == .limit)
    }

    @Test func outputSizeIsBounded() throws {
        var limits = TemplateLimits()
        limits.maxOutputBytes = 10
        #expect(limitError("0123456789", limits: limits) == nil)
        #expect(limitError("0123456789x", limits: limits)?.kind == .limit)
    }

    @Test func doublingCapturesStop() throws {
        let source = "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}"
        #expect(limitError(source)?.kind == .limit)
    }

    @Test func doublingListsStop() throws {
        let source = "{% assign a = '1,2' | split: ',' %}{% for i in (1..40) %}{% assign a = a | concat: a %}{% endfor %}{{ a.size }}"
        #expect(limitError(source)?.message == "a list has more than 100000 items")
    }

    @Test func recursivePartialsStop() throws {
        #expect(limitError("{% render 'a' %}", partials: ["a": "{% render 'a' %}"])?.kind == .limit)
        #expect(limitError("{% include 'a' %}", partials: ["a": "x{% include 'a' %}"])?.kind == .limit)
    }

    @Test func deepNestingIsASyntaxLimit() throws {
        var limits = TemplateLimits()
        limits.maxNestingDepth = 5
        let nested = String(repeating: "{% if true %}", count: 6) + String(repeating: "{% endif %}", count: 6)
        #expect(limitError(nested, limits: limits) != nil)
    }

    @Test func sourceSizeIsBounded() throws {
        var limits = TemplateLimits()
        limits.maxSourceBytes = 100
        #expect(limitError(String(repeating: "x", count: 101), limits: limits)?.kind == .limit)
    }

    @Test func deadlineStopsLongRenders() throws {
        var limits = TemplateLimits()
        limits.renderDeadlineMilliseconds = 0
        limits.maxLoopIterations = 10_000_000
        #expect(limitError("{% for i in (1..10000000) %}{% endfor %}", limits: limits)?.message.contains("longer than") == true)
    }
}
