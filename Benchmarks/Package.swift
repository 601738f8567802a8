// swift-tools-version:6.1
// The benchmark harness: our engine against the hand-written ceiling and two Swift peers on the
// shared receipt fixture (../shared/bench). A separate package so that the peers never become
// dependencies of the main package.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, i.e. whatever the repository's clone is called.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bench", targets: ["bench"]),
        .executable(name: "loadgen", targets: ["loadgen"]),
        .executable(name: "mailbench", targets: ["mailbench"]),
    ],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/stencilproject/Stencil", exact: "0.15.1"),
    ],
    targets: [
        .executableTarget(
            name: "bench",
            dependencies: [
                .product(name: "TemplateEngine", package: mainPackage),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Stencil", package: "Stencil"),
            ]
        ),
        // A closed-loop HTTP load generator for the service's latency benchmarks (no dependencies).
        .executableTarget(name: "loadgen"),
        // MIME building, DKIM signing and SMTP sending of a typical notification e-mail.
        .executableTarget(name: "mailbench", dependencies: [.product(name: "Channels", package: mainPackage)]),
    ],
    swiftLanguageModes: [.v6]
)
