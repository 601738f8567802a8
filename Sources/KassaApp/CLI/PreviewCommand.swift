enum PreviewCommand {
    static func run(_ words: [String], console: Console) throws -> Int32 { 0 }
}
