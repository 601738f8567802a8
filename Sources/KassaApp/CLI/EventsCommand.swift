import TemplateEngine

/// `kassa events [--json]`: the catalog of events, their variables and sample data.
enum EventsCommand {
    static func run(_ words: [String], console: Console) throws -> Int32 {
        let args = try Arguments(words, options: [], flags: ["json"])
        _ = try args.expectPositional([])
        if args.flag("json") {
            let events: [Value] = EventCatalog.all.map { e in
                ["name": .string(e.name), "description": .string(e.description), "schema": e.schema.jsonValue, "sample": e.sample]
            }
            console.print(Value.object(ValueObject([("events", .array(events))])).jsonString)
        } else {
            for e in EventCatalog.all {
                console.print("\(e.name)\t\(e.description)")
            }
        }
        return 0
    }
}
