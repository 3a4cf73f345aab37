// swift-tools-version:6.2
import Foundation
import PackageDescription

// The C++ inside CBridge is compiled with -O2 even in debug builds: dlib's templates are about 100
// times slower at -O0. OpenCV modules are linked one by one (pkg-config's full list is 377 libraries).
// dlib's HOG features use 8-wide SIMD when compiled for AVX (detection ~25% faster), so AVX2/FMA are
// enabled when the building machine has them (the binary is then for machines like it).
let cpuFlags =
    (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
let simdFlags = Set(cpuFlags).isSuperset(of: ["avx2", "fma"]) ? ["-mavx2", "-mfma"] : []
let nativeFlags: [CXXSetting] = [
    .unsafeFlags(["-O2", "-I/usr/include/opencv4", "-Wno-deprecated-declarations"] + simdFlags)
]

let package = Package(
    name: "FastCert",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fastcert", targets: ["fastcert"]),
        .library(name: "FaceEngine", targets: ["FaceEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        .target(
            name: "CBridge",
            path: "CBridge",
            publicHeadersPath: "include",
            cSettings: [.headerSearchPath("."), .unsafeFlags(["-O2"])],
            cxxSettings: [.headerSearchPath(".")] + nativeFlags,
            linkerSettings: [
                .linkedLibrary("dlib"),
                .linkedLibrary("opencv_core"),
                .linkedLibrary("opencv_imgproc"),
                .linkedLibrary("opencv_video"),
                .linkedLibrary("opencv_calib3d"),
                .linkedLibrary("opencv_dnn"),
                .linkedLibrary("jpeg"),
                .linkedLibrary("blas"),
                .linkedLibrary("lapack"),
                .linkedLibrary("stdc++"),
            ]
        ),
        .target(name: "FaceEngine", dependencies: ["CBridge"]),
        .target(name: "Liveness", dependencies: ["FaceEngine"]),
        .target(
            name: "Ledger", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources/ledger-rules.json")]),
        .target(
            name: "Storage",
            dependencies: [
                "Ledger", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
                // The audit chain's SQL functions read SQLite's values in place (AuditChainFunctions.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // Verification and enrollment as services with plain Swift inputs and outputs, over the store
        // protocols (Ledger/Stores): the one home of the certification rules, below both front doors
        // (HTTP and CLI). It never imports a store: Storage (and a later backend) implements its protocols.
        .target(
            name: "Certification",
            dependencies: [
                "FaceEngine", "Liveness", "Ledger", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The JSON bodies the service sends and the command line's remote mode reads.
        .target(name: "APIModels", dependencies: ["Certification", "Ledger"]),
        .target(
            name: "Server",
            dependencies: [
                "APIModels", "Certification", "FaceEngine", "Ledger", "Liveness",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/web")]
        ),
        .target(name: "Simulation", dependencies: ["Ledger"]),
        .executableTarget(
            name: "fastcert",
            dependencies: [
                "APIModels", "Certification", "FaceEngine", "Ledger", "Storage", "Simulation", "Server", "Liveness",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Test-only: re-encodes fixture photos (rotations for the EXIF tests) with OpenCV.
        .target(
            name: "CTestImages",
            path: "Tests/CTestImages",
            publicHeadersPath: "include",
            cxxSettings: nativeFlags,
            linkerSettings: [.linkedLibrary("opencv_core"), .linkedLibrary("opencv_imgproc"), .linkedLibrary("opencv_imgcodecs")]
        ),
        // Test-only: fixture photos, derived images and shared engines for both test targets.
        .target(name: "TestSupport", dependencies: ["FaceEngine", "CTestImages"], path: "Tests/TestSupport"),
        .testTarget(name: "FaceEngineTests", dependencies: ["FaceEngine", "TestSupport"]),
        .testTarget(
            name: "fastcertTests",
            dependencies: [
                "fastcert", "TestSupport", "Ledger", "Storage", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger"]),
        .testTarget(name: "CertificationTests", dependencies: ["Certification", "Storage", "Ledger", "FaceEngine", "TestSupport"]),
        .testTarget(name: "LivenessTests", dependencies: ["Liveness", "FaceEngine", "TestSupport"]),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage", "Ledger", "Simulation", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "APIModels", "Certification", "Storage", "Ledger", "FaceEngine", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    cxxLanguageStandard: .cxx17
)
