import Foundation

/// Where `render` and `include` find partials by name.
public protocol TemplateLibrary: Sendable {
    /// The source of the named template, or nil when there is none.
    func source(named name: String) throws -> String?
}

/// Partials held in memory, by name.
public struct InMemoryTemplateLibrary: TemplateLibrary {
    public var templates: [String: String]

    public init(_ templates: [String: String] = [:]) {
        self.templates = templates
    }

    public func source(named name: String) -> String? { templates[name] }
}

/// Partials read from a folder: `{% render 'footer' %}` reads `footer.liquid` there.
///
/// Names are confined to the folder: a name with `..`, a leading `/` or a backslash finds nothing.
public struct DirectoryTemplateLibrary: TemplateLibrary {
    public let directory: URL
    public let fileExtension: String

    public init(directory: URL, fileExtension: String = "liquid") {
        self.directory = directory
        self.fileExtension = fileExtension
    }

    public func source(named name: String) throws -> String? {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.contains("\\"), !name.contains("\0"),
              !name.split(separator: "/").contains("..")
        else { return nil }
        var url = directory.appendingPathComponent(name)
        if url.pathExtension != fileExtension { url.appendPathExtension(fileExtension) }
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data = try Data(contentsOf: url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw TemplateLibraryError(message: "partial '\(name)' is not valid UTF-8")
        }
        return text
    }
}

/// No partials at all: every `render` and `include` is an error.
public struct EmptyTemplateLibrary: TemplateLibrary {
    public init() {}
    public func source(named name: String) -> String? { nil }
}

/// A partial could not be read.
public struct TemplateLibraryError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
