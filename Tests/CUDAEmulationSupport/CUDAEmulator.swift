import Foundation
import Train

/// Builds the CPU emulation of the CUDA driver and cuBLAS (Tests/CUDAEmulation) for the
/// tests: a folder with `libcuda.so.1` and `libcublas.so.12` to pass as `--cuda-lib-dir`
/// (or as `CUDALibrarySearch.explicitDirectory`), so the GPU path runs on machines without
/// a GPU, with the real NVRTC compiling the real kernels. The emulated driver runs the same
/// kernel source compiled as C++, serially.
public enum CUDAEmulator {
    /// Why the emulation could not be built.
    public struct BuildError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The folder, built once per test process (reused from an earlier build with the same
    /// sources): `.build/cuda-emulation` in the package.
    public static let libraryFolder: Result<String, BuildError> = Result { () throws(BuildError) in try build() }

    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The emulation for `CUDALibrarySearch`: its folder first, then the usual places (for NVRTC).
    public static func search() throws -> CUDALibrarySearch {
        .processDefault(explicitDirectory: try libraryFolder.get())
    }

    /// A backend on the emulated device.
    public static func backend() throws -> CUDABackend {
        try CUDABackend(device: CUDADevice(libraries: CUDALibraries.load(search())))
    }

    private static func build() throws(BuildError) -> String {
        let sources = packageRoot.appendingPathComponent("Tests/CUDAEmulation")
        let folder = packageRoot.appendingPathComponent(".build/cuda-emulation")
        do {
            let header = try String(contentsOf: sources.appendingPathComponent("cuda_device.h"), encoding: .utf8)
            let driver = try String(contentsOf: sources.appendingPathComponent("emulated_libcuda.cpp"), encoding: .utf8)
            let cublas = try String(contentsOf: sources.appendingPathComponent("emulated_libcublas.cpp"), encoding: .utf8)
            let names = CUDAKernel.allCases.map { "KERNEL(\($0.rawValue))\n" }.joined()
            let stamp = [header, driver, cublas, CUDAKernels.source, names].joined(separator: "\u{0}")
            let stampFile = folder.appendingPathComponent("stamp")
            if (try? String(contentsOf: stampFile, encoding: .utf8)) == stamp { return folder.path }
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try CUDAKernels.source.write(to: folder.appendingPathComponent("kernels.cu"), atomically: true, encoding: .utf8)
            try names.write(to: folder.appendingPathComponent("kernel_names.inc"), atomically: true, encoding: .utf8)
            let flags = ["-std=c++17", "-O2", "-shared", "-fPIC", "-Wall", "-Werror", "-I", folder.path, "-I", sources.path]
            try compile(flags + ["-o", folder.appendingPathComponent("libcuda.so.1").path,
                                 sources.appendingPathComponent("emulated_libcuda.cpp").path])
            try compile(flags + ["-o", folder.appendingPathComponent("libcublas.so.12").path,
                                 sources.appendingPathComponent("emulated_libcublas.cpp").path, "-lopenblas"])
            try stamp.write(to: stampFile, atomically: true, encoding: .utf8)
            return folder.path
        } catch let error as BuildError {
            throw error
        } catch {
            throw BuildError(description: "building the CUDA emulation in \(folder.path): \(error)")
        }
    }

    /// Runs `c++ ARGUMENTS`, throwing with its output when it fails.
    private static func compile(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["c++"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BuildError(description: "c++ \(arguments.joined(separator: " ")) failed:\n\(text)")
        }
    }
}
