import Testing
@testable import TemplateEngine

@Suite struct SchemaTests {
    let schema = try! Schema(json: """
        {"type": "object", "required": ["order"], "properties": {
          "order": {"type": "object", "required": ["number", "items"], "properties": {
            "number": {"type": "string"},
            "total": {"type": "integer", "format": "money"},
            "note": {"type": ["string", "null"]},
            "items": {"type": "array", "items": {"type": "object", "properties": {"qty": {"type": "integer"}}}}}}}}
        """)

    @Test func validDataHasNoProblems() throws {
        let data = try Value(json: #"{"order": {"number": "A-1", "total": 100, "note": null, "items": [{"qty": 2}]}}"#)
        #expect(schema.validate(data) == [])
    }

    @Test func problemsNameThePath() throws {
        let data = try Value(json: #"{"order": {"total": "100", "items": [{"qty": 2}, {"qty": "x"}]}}"#)
        #expect(schema.validate(data) == [
            "order.number: is required",
            "order.total: is string but must be integer",
            "order.items[1].qty: is string but must be integer",
        ])
    }

    @Test func roundTripsThroughJSON() throws {
        #expect(try Schema(value: schema.jsonValue) == schema)
    }

    @Test(arguments: [
        (#"{"type": "strnig"}"#, "/type: unknown type 'strnig'"),
        (#"{"type": "object", "required": ["x"], "properties": {}}"#, "/required: 'x' is required but not among the properties"),
        (#"{"properties": {"a": {"type": 5}}}"#, "/properties/a/type: type must be a string or a list of strings"),
    ])
    func malformedSchemasSayWhere(_ text: String, _ message: String) {
        do {
            _ = try Schema(json: text)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == message)
        }
    }
}
