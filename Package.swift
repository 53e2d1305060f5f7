// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mnist-tools",
    products: [
        .executable(name: "mnist-tools", targets: ["mnist-tools"]),
        .library(name: "Pickle", targets: ["Pickle"]),
        .library(name: "MNISTTools", targets: ["MNISTTools"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C system libraries, reached through module maps (see each folder's module.modulemap).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CLibpng", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Linux calls that Swift's Glibc module leaves out (declared only under _GNU_SOURCE).
        .target(name: "CLinuxCalls"),

        // Pure Swift: the safe unpickler and NumPy array reconstruction. No C, no Foundation.
        .target(name: "Pickle"),

        // Files, gzip, the dataset model and the logic behind each subcommand.
        .target(name: "MNISTTools", dependencies: ["Pickle", "CZlib", "CLibdeflate", "CLibpng", "CCrypto", "CLinuxCalls"]),

        // The command line: parse, call the library, print.
        .executableTarget(
            name: "mnist-tools",
            dependencies: [
                "MNISTTools", "Pickle", "Train",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Training the tutorials' models: matrices, a CPU backend on OpenBLAS with a plain-loop
        // reference, dense layers, softmax loss, SGD; a NumPy-compatible RNG. No Foundation.
        // Optimized in debug builds too: the tests train real models, and unoptimized numeric
        // loops are tens of times slower.
        .target(
            name: "Train", dependencies: ["MNISTTools", "COpenBLAS", "CLinuxCalls"],
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),

        // For the tests: builds the CPU emulation of the CUDA driver and cuBLAS in
        // Tests/CUDAEmulation, so the GPU path runs without a GPU.
        .target(name: "CUDAEmulationSupport", dependencies: ["Train"], path: "Tests/CUDAEmulationSupport"),

        .testTarget(name: "PickleTests", dependencies: ["Pickle"]),
        .testTarget(name: "MNISTToolsTests", dependencies: ["MNISTTools", "Pickle"]),
        .testTarget(name: "mnist-toolsTests", dependencies: ["mnist-tools", "CUDAEmulationSupport"]),
        .testTarget(name: "TrainTests", dependencies: ["Train", "CUDAEmulationSupport"]),
    ]
)
