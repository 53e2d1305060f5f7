import Foundation
import Testing
@testable import Train

// The run-time loader without a GPU: where it looks, in which order, and what it says
// when the NVIDIA libraries are missing, are not libraries, or lack the functions used.

@Suite("CUDA library search and loading")
struct CUDALibrarySearchTests {
    /// A fresh empty folder, removed by the caller.
    private func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cuda-search-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The driver's failure from loading with `search`, or nil when it loaded.
    private func driverFailure(_ search: CUDALibrarySearch) -> LibrarySearchFailure? {
        if case let .failure(failure) = CUDALibraries.open(.driver, search, bind: CUDADriverFunctions.init) { return failure }
        return nil
    }

    @Test("the places are searched in order: --cuda-lib-dir, LD_LIBRARY_PATH, the system, CUDA's folders, site-packages")
    func searchOrder() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let nvidia = root.appendingPathComponent("venv/lib/python3.12/site-packages/nvidia/cublas/lib")
        try FileManager.default.createDirectory(at: nvidia, withIntermediateDirectories: true)
        let search = CUDALibrarySearch(explicitDirectory: "/opt/mine/", environment: [
            "LD_LIBRARY_PATH": "/a::/b/:/opt/mine", "CUDA_HOME": "/cuda", "VIRTUAL_ENV": root.path + "/venv",
        ])
        let places = search.places()
        let directories = places.compactMap { place -> String? in
            if case let .directory(path, _) = place { return path }
            return nil
        }
        #expect(Array(directories.prefix(3)) == ["/opt/mine", "/a", "/b"])  // repeats dropped, trailing slashes too
        #expect(places[3] == .systemLoader)
        #expect(Array(directories[3...5]) == ["/cuda/lib64", "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"])
        #expect(directories.contains(nvidia.path))
        #expect(search.sitePackagesPatterns().first == root.path + "/venv/lib/python3*/site-packages")
    }

    @Test("site-packages are found beside PATH's bin folders and under pyenv and ~/.local")
    func sitePackagesPatterns() {
        let search = CUDALibrarySearch(environment: ["PATH": "/opt/conda/envs/x/bin:/usr/bin", "HOME": "/home/u"])
        let patterns = search.sitePackagesPatterns()
        for expected in ["/opt/conda/envs/x/lib/python3*/site-packages", "/usr/lib/python3*/dist-packages",
                         "/home/u/.pyenv/versions/*/lib/python3*/site-packages", "/home/u/.local/lib/python3*/site-packages",
                         "/usr/lib/python3/dist-packages"] {
            #expect(patterns.contains(expected), "\(expected)")
        }
    }

    @Test("a folder's files for a library: the sonames first, then higher versions, never its neighbours")
    func fileOrder() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["libnvrtc.so.11.2", "libnvrtc-builtins.so.12.9", "libnvrtc.alt.so.12", "libnvrtc.so.12", "libnvrtc.so.12.9.86",
                     "libnvrtc.so", "libcublasLt.so.12", "libcublas.so.12.4.5.8", "libcublas.so.x"] {
            _ = FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data())
        }
        let nvrtc = try #require(CUDALibraryName.nvrtc.files(in: folder.path)).map { ($0 as NSString).lastPathComponent }
        #expect(nvrtc == ["libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so", "libnvrtc.so.12.9.86"])
        let cublas = try #require(CUDALibraryName.cublas.files(in: folder.path)).map { ($0 as NSString).lastPathComponent }
        #expect(cublas == ["libcublas.so.12.4.5.8"])
        #expect(CUDALibraryName.driver.files(in: folder.path + "/missing") == nil)
    }

    @Test("an empty --cuda-lib-dir is reported with every other place looked at")
    func emptyFolder() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let failure = try #require(driverFailure(CUDALibrarySearch(explicitDirectory: folder.path, environment: ["LD_LIBRARY_PATH": "/nowhere"])),
                                   "a CUDA driver is installed here")
        #expect(failure.attempts.first == LibraryAttempt(location: "\(folder.path) (--cuda-lib-dir)", reason: "no libcuda.so* in it"))
        #expect(failure.attempts.contains(LibraryAttempt(location: "/nowhere (LD_LIBRARY_PATH)", reason: "no such folder")))
        #expect(failure.attempts.contains { $0.location == "libcuda.so.1 (the system's library search)" && $0.reason.contains("cannot open") })
        #expect(failure.attempts.contains { $0.location.hasPrefix("/usr/local/cuda/lib64") })
        let message = CUDAError.librariesNotFound([failure]).description
        #expect(message.hasPrefix("no usable GPU: could not load the CUDA driver (libcuda.so.1).\n  the CUDA driver (libcuda.so.1), looked for in:\n"))
        #expect(message.contains("    \(folder.path) (--cuda-lib-dir): no libcuda.so* in it\n"))
    }

    @Test("a file named libcuda.so.1 that is not a library is tried and reported, with the loader's reason")
    func notALibrary() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fake = folder.appendingPathComponent("libcuda.so.1")
        try Data("not a shared library\n".utf8).write(to: fake)
        let failure = try #require(driverFailure(CUDALibrarySearch(explicitDirectory: folder.path, environment: [:])),
                                   "a CUDA driver is installed here")
        let attempt = try #require(failure.attempts.first)
        print("\(attempt.location): \(attempt.reason)")
        #expect(attempt.location == fake.path)
        #expect(attempt.reason.contains("invalid ELF header") || attempt.reason.contains("file too short"))
    }

    @Test("a library without the driver's functions is reported with the first one missing")
    func wrongLibrary() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // zlib, which every machine running the tests has (mnist-tools links it), posing as the driver.
        let zlib = try #require(["/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib64/libz.so.1"]
            .first { FileManager.default.fileExists(atPath: $0) })
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: zlib).resolvingSymlinksInPath().path, toPath: folder.appendingPathComponent("libcuda.so.1").path)
        let failure = try #require(driverFailure(CUDALibrarySearch(explicitDirectory: folder.path, environment: [:])),
                                   "a CUDA driver is installed here")
        #expect(failure.attempts.first == LibraryAttempt(location: folder.appendingPathComponent("libcuda.so.1").path,
                                                         reason: "opened, but it has no symbol cuInit"))
    }

    @Test("loading all three libraries reports every missing one at once")
    func allMissing() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: CUDAError.self) {
            try CUDALibraries.load(CUDALibrarySearch(explicitDirectory: folder.path, environment: [:]))
        }
        guard case let .librariesNotFound(failures)? = error else {
            Issue.record("expected missing libraries, got \(String(describing: error))")
            return
        }
        // NVRTC may be installed system-wide; the driver and cuBLAS are not, on machines without a GPU.
        #expect(failures.map(\.library).contains("the CUDA driver (libcuda.so.1)"))
        #expect(failures.map(\.library).contains("cuBLAS (libcublas.so*)"))
        #expect(failures.allSatisfy { $0.attempts.first?.location == "\(folder.path) (--cuda-lib-dir)" })
    }
}
