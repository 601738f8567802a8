// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Apikassa",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TemplateEngine", targets: ["TemplateEngine"]),
        .library(name: "Channels", targets: ["Channels"]),
        .executable(name: "kassa", targets: ["kassa"]),
    ],
    dependencies: [
        // The HTTP server: Foundation on Linux has none, and a hand-written HTTP parser has no place
        // in front of payments. Routing, middleware and JSON are ours.
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
    ],
    targets: [
        // The template language: Swift standard library and Foundation only.
        .target(name: "TemplateEngine"),
        // Channel-specific output (SMS encoding, HTML checks) and, later, the delivery adapters.
        .target(name: "Channels", dependencies: ["CHTMLScan", "CCurl", "COpenSSL"]),
        // libcurl for SMTP: typed wrappers around its variadic setopt and getinfo.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // libxml2's HTML parser behind plain C callbacks (its headers clash with Foundation's ICU).
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .target(name: "CHTMLScan", dependencies: ["CLibXML2"]),
        // The service and the `kassa` command, as a library so that tests can call it in-process.
        .target(name: "KassaApp", dependencies: [
            "TemplateEngine", "Channels", "CSQLite", "COpenSSL",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // OpenSSL's libcrypto (SHA-256, HMAC, random bytes, constant-time compare) behind a thin shim.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // SQLite, the embedded store, behind a thin shim.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .executableTarget(name: "kassa", dependencies: ["KassaApp"]),
        // The fuzz harness: `make fuzz` builds FuzzTemplates with libFuzzer; tests replay the corpus.
        .target(name: "TemplateFuzzing", dependencies: ["TemplateEngine"]),
        .executableTarget(name: "FuzzTemplates", dependencies: ["TemplateFuzzing"]),
        .testTarget(name: "TemplateEngineTests", dependencies: ["TemplateEngine", "TemplateFuzzing", "TestPeers"]),
        .testTarget(name: "ChannelsTests", dependencies: ["Channels", "TestPeers"]),
        // Independent implementations (Python, in the .venv that `make test` prepares) that tests check ours against.
        .target(name: "TestPeers", path: "Tests/TestPeers", exclude: ["Scripts"]),
        .testTarget(name: "KassaAppTests", dependencies: ["KassaApp", "TestPeers"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
