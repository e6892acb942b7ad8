// swift-tools-version: 6.1
// libFuzzer targets for the wire (the frame decoder and every request message's decoding) and for restores.
// Built by Scripts/fuzz (with -sanitize=fuzzer,address, in its own scratch path), never by the main package.
import PackageDescription

let package = Package(
  name: "gainsay-fuzz",
  dependencies: [
    .package(name: "gainsay", path: "../.."),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
  ],
  targets: [
    // libFuzzer's driver, shared by every fuzzer's main.
    .target(name: "FuzzDriver", swiftSettings: [.swiftLanguageMode(.v6)]),
    // Feeds bytes to FrameDecoder in one piece and in chunks; both must yield the same events.
    .executableTarget(
      name: "FrameFuzz",
      dependencies: [
        "FuzzDriver",
        .product(name: "GainsayRPC", package: "gainsay"),
        .product(name: "GainsayProto", package: "gainsay"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),
    // Decodes bytes as every request message (the first byte picks it); what decodes must round-trip.
    .executableTarget(
      name: "MessageFuzz",
      dependencies: ["FuzzDriver", .product(name: "GainsayProto", package: "gainsay")],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),
    // Decodes bytes as a chunk of records and verifies them as a restore: refused or accepted, never a crash.
    .executableTarget(
      name: "RestoreFuzz",
      dependencies: [
        "FuzzDriver",
        .product(name: "GainsayCore", package: "gainsay"),
        .product(name: "GainsayProto", package: "gainsay"),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),
  ]
)
