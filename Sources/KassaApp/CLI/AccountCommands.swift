import Foundation
import TemplateEngine

/// The operators' account commands, on the same data folder as the server (safe while it runs:
/// SQLite in WAL mode with a busy timeout). Secrets are printed once, to stdout, never logged.
enum AccountCommands {
    /// The data folder: `--data-dir`, else `KASSA_DATA_DIR`, else `./data`.
    static func dataDirectory(_ args: Arguments, _ console: Console) -> String {
        args.option("data-dir") ?? console.environment["KASSA_DATA_DIR"] ?? "data"
    }

    static func openStore(_ args: Arguments, _ console: Console) throws -> SQLiteStore {
        try openStore(at: URL(fileURLWithPath: dataDirectory(args, console)))
    }

    /// Opens (creating and migrating when missing) the store of a data folder.
    static func openStore(at dir: URL) throws -> SQLiteStore {
        do {
            return try SQLiteStore(dataDirectory: dir)
        } catch let error as SQLiteError {
            throw CommandFailure("cannot open the data folder '\(dir.path)': \(error.message)")
        }
    }

    static func printJSON(_ value: Value, _ console: Console) {
        console.print(value.jsonString)
    }

    static func run(_ group: String, _ words: [String], console: Console) throws -> Int32 {
        guard let verb = words.first else { throw UsageError("'\(group)' needs a subcommand") }
        let args = try Arguments(Array(words.dropFirst()), options: ["data-dir", "name", "login", "owner", "to"], flags: ["json"])
        do {
            switch (group, verb) {
            case ("partners", "create"): return try createPartner(args, console)
            case ("partners", "list"): return try listPartners(args, console)
            case ("moderators", "create"): return try createModerator(args, console)
            case ("operators", "create"): return try createOperator(args, console)
            case ("tokens", "list"): return try listTokens(args, console)
            case ("tokens", "rotate"), ("tokens", "revoke"): return try changeToken(verb, args, console)
            default: throw UsageError("unknown subcommand '\(group) \(verb)'")
            }
        } catch let error as StoreError {
            throw CommandFailure(error.description)
        }
    }

    private static func required(_ args: Arguments, _ name: String) throws(UsageError) -> String {
        guard let value = args.option(name) else { throw UsageError("--\(name) is required") }
        return value
    }

    private static func warnOnce(_ console: Console) {
        console.error("Store the token(s) now: they are shown only this once and kept only as a hash.")
    }

    private static func createPartner(_ args: Arguments, _ console: Console) throws -> Int32 {
        _ = try args.expectPositional([])
        let name = try required(args, "name")
        let (partner, live, sandbox) = try openStore(args, console).createPartner(name: name)
        if args.flag("json") {
            printJSON(["id": .string(partner.id), "token": .string(live.secret), "sandbox_token": .string(sandbox.secret)], console)
        } else {
            console.print("partner \(partner.id) (\(partner.name))\nlive token:    \(live.secret)\nsandbox token: \(sandbox.secret)")
        }
        warnOnce(console)
        return 0
    }

    private static func listPartners(_ args: Arguments, _ console: Console) throws -> Int32 {
        _ = try args.expectPositional([])
        let partners = try openStore(args, console).partners()
        if args.flag("json") {
            printJSON(["partners": .array(partners.map { ["id": .string($0.id), "name": .string($0.name), "created_at": .string($0.createdAt)] })], console)
        } else {
            for p in partners { console.print("\(p.id)\t\(p.name)\t\(p.createdAt)") }
        }
        return 0
    }

    private static func createModerator(_ args: Arguments, _ console: Console) throws -> Int32 {
        _ = try args.expectPositional([])
        let login = try required(args, "login")
        let (moderator, token) = try openStore(args, console).createModerator(login: login)
        if args.flag("json") {
            printJSON(["id": .string(moderator.id), "login": .string(moderator.login), "token": .string(token.secret)], console)
        } else {
            console.print("moderator \(moderator.id) (\(moderator.login))\ntoken: \(token.secret)")
        }
        warnOnce(console)
        return 0
    }

    private static func createOperator(_ args: Arguments, _ console: Console) throws -> Int32 {
        _ = try args.expectPositional([])
        let name = try required(args, "name")
        let (op, token) = try openStore(args, console).createOperator(name: name)
        if args.flag("json") {
            printJSON(["id": .string(op.id), "name": .string(op.name), "token": .string(token.secret)], console)
        } else {
            console.print("operator \(op.id) (\(op.name))\ntoken: \(token.secret)")
        }
        warnOnce(console)
        return 0
    }

    static func json(_ record: TokenRecord) -> Value {
        ["id": .string(record.id), "kind": .string(record.kind.rawValue), "owner_id": .string(record.ownerID),
         "hint": .string("…" + record.hint), "created_at": .string(record.createdAt), "revoked_at": record.revokedAt.map { .string($0) } ?? .nil]
    }

    private static func listTokens(_ args: Arguments, _ console: Console) throws -> Int32 {
        _ = try args.expectPositional([])
        let owner = try required(args, "owner")
        let tokens = try openStore(args, console).tokens(ownerID: owner)
        if args.flag("json") {
            printJSON(["tokens": .array(tokens.map(json))], console)
        } else {
            for t in tokens {
                console.print("\(t.id)\t\(t.kind.rawValue)\t…\(t.hint)\t\(t.createdAt)\t\(t.revokedAt.map { "revoked " + $0 } ?? "active")")
            }
        }
        return 0
    }

    private static func changeToken(_ verb: String, _ args: Arguments, _ console: Console) throws -> Int32 {
        let id = try args.expectPositional(["TOKEN_ID"])[0]
        let store = try openStore(args, console)
        if verb == "revoke" {
            let record = try store.revokeToken(id: id)
            if args.flag("json") { printJSON(json(record), console) } else { console.print("revoked \(record.id)") }
            return 0
        }
        let issued = try store.rotateToken(id: id)
        if args.flag("json") {
            var value = json(issued.record)
            if case .object(var o) = value {
                o["token"] = .string(issued.secret)
                value = .object(o)
            }
            printJSON(value, console)
        } else {
            console.print("revoked \(id); new token \(issued.record.id):\n\(issued.secret)")
        }
        warnOnce(console)
        return 0
    }

    /// `kassa backup --to FILE [--data-dir DIR]`: SQLite's online backup, safe while the server runs.
    static func backup(_ words: [String], console: Console) throws -> Int32 {
        let args = try Arguments(words, options: ["data-dir", "to"], flags: [])
        _ = try args.expectPositional([])
        let target = try required(args, "to")
        guard !FileManager.default.fileExists(atPath: target) else { throw CommandFailure("'\(target)' exists; choose a new file") }
        let store = try openStore(args, console)
        do {
            try store.database.backup(to: target)
        } catch let error as SQLiteError {
            throw CommandFailure("backup to '\(target)' failed: \(error.message)")
        }
        console.print("backed up \(store.database.path) to \(target)")
        return 0
    }
}
