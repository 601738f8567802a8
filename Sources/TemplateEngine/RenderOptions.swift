import Foundation

/// Bounds on parsing and rendering; each one ends in a clear `TemplateError` of kind `.limit`.
///
/// The defaults suit notifications: a template of a few kilobytes rendering a message of at most
/// a megabyte.
public struct TemplateLimits: Sendable, Equatable {
    /// The largest template source, in bytes.
    public var maxSourceBytes = 256 * 1024
    /// How deeply blocks may nest in the source.
    public var maxNestingDepth = 64
    /// The largest output of one render, in bytes.
    public var maxOutputBytes = 1 << 20
    /// The largest string any filter, `capture` or `assign` may build, in bytes.
    public var maxStringBytes = 1 << 20
    /// Loop iterations per render, counted over every loop, nested or not, empty bodies included.
    public var maxLoopIterations = 100_000
    /// How deeply `render` and `include` may nest.
    public var maxPartialDepth = 16
    /// The wall-clock budget of one render, in milliseconds.
    public var renderDeadlineMilliseconds = 1_000

    public init() {}
}

/// How a render formats and escapes: the output syntax, locale, time zone and limits.
public struct RenderOptions: Sendable {
    /// Whether values written by `{{ }}` are HTML-escaped.
    public enum Escaping: Sendable, Equatable {
        case none
        case html
    }

    /// UTC, made once: `RenderOptions()` (every render with the default options) looked the time
    /// zone up by name each time, in Foundation's locked cache, at about 1% of a short render.
    @usableFromInline static let utc = TimeZone(identifier: "UTC")!

    public var escaping: Escaping = .none
    /// The locale for dates and names of months (`en` or `ru`).
    public var locale: String = "en"
    public var timeZone: TimeZone = RenderOptions.utc
    public var limits = TemplateLimits()
    /// The instant `"now"` and `"today"` mean in the `date` filter; `nil` reads the system clock.
    public var now: Date?

    public init(escaping: Escaping = .none, locale: String = "en", timeZone: TimeZone = RenderOptions.utc,
                limits: TemplateLimits = TemplateLimits(), now: Date? = nil) {
        self.escaping = escaping
        self.locale = locale
        self.timeZone = timeZone
        self.limits = limits
        self.now = now
    }
}
