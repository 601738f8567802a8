import Testing
@testable import TemplateEngine

private let library = InMemoryTemplateLibrary([
    "layouts/email": "<header>{{ brand }}</header>{% block content %}default{% endblock %}<footer>{% block footer %}© {{ brand }}{% endblock %}</footer>",
    "layouts/branded": "{% layout 'layouts/email' %}{% block footer %}[{% block sign %}sign{% endblock %}]{% endblock %}",
])

private func render(_ source: String, _ data: Value = ["brand": "Ромашка"]) throws -> String {
    try Template(source: source, name: "child", library: library).render(data)
}

@Suite struct LayoutTests {
    @Test func childBlocksFillTheLayout() throws {
        #expect(try render("{% layout 'layouts/email' %}\n{% block content %}Заказ {{ n }}{% endblock %}", ["brand": "Р", "n": 7])
                == "<header>Р</header>Заказ 7<footer>© Р</footer>")
    }

    @Test func missingBlocksKeepTheLayoutDefault() throws {
        #expect(try render("{% layout 'layouts/email' %}") == "<header>Ромашка</header>default<footer>© Ромашка</footer>")
    }

    @Test func assignmentsBeforeBlocksAreVisibleToTheLayout() throws {
        #expect(try render("{% layout 'layouts/email' %}{% assign brand = 'Своё' %}{% block content %}x{% endblock %}")
                == "<header>Своё</header>x<footer>© Своё</footer>")
    }

    @Test func layoutsChainAndTheInnermostBlockWins() throws {
        #expect(try render("{% layout 'layouts/branded' %}{% block sign %}Анна{% endblock %}")
                == "<header>Ромашка</header>default<footer>[Анна]</footer>")
    }

    @Test func contentOutsideBlocksIsAnError() {
        #expect(throws: TemplateError.self) { try render("{% layout 'layouts/email' %}Hello") }
    }

    @Test func errorsInsideBlocksPointAtTheChild() throws {
        let template = try Template(source: "{% layout 'layouts/email' %}\n{% block content %}{% if 1 > 'a' %}{% endif %}{% endblock %}",
                                    name: "child", library: library)
        do {
            _ = try template.render([:])
            Issue.record("expected an error")
        } catch {
            #expect(error.templateName == "child")
            #expect(error.line == 2)
        }
    }

    @Test func missingLayoutIsACompileError() {
        #expect(throws: TemplateError.self) { try render("{% layout 'nope' %}") }
    }
}
