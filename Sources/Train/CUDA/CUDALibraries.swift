/// The three NVIDIA libraries the GPU backend needs, opened: the CUDA driver API, NVRTC to
/// compile the kernels, and cuBLAS for the matrix products.
public struct CUDALibraries: Sendable {
    let driver: CUDADriverFunctions
    let nvrtc: NVRTC
    let cublas: CuBLASFunctions
    /// Where each library was opened from (a path, or the name the system's loader found).
    public let driverPath: String
    public let cublasPath: String
    public var nvrtcPath: String { nvrtc.path }

    /// Opens all three, each from the first place of `search` where it loads with every
    /// function the backend calls. When any is missing, the error lists, for each missing
    /// one, every place tried and why it failed.
    public static func load(_ search: CUDALibrarySearch) throws(CUDAError) -> CUDALibraries {
        let driver = open(.driver, search, bind: CUDADriverFunctions.init)
        let nvrtc = open(.nvrtc, search, bind: NVRTCFunctions.init)
        let cublas = open(.cublas, search, bind: CuBLASFunctions.init)
        switch (driver, nvrtc, cublas) {
        case let (.success(driver), .success(nvrtc), .success(cublas)):
            return CUDALibraries(driver: driver.functions, nvrtc: NVRTC(functions: nvrtc.functions, path: nvrtc.path),
                                 cublas: cublas.functions, driverPath: driver.path, cublasPath: cublas.path)
        default:
            var failures: [LibrarySearchFailure] = []
            if case let .failure(failure) = driver { failures.append(failure) }
            if case let .failure(failure) = nvrtc { failures.append(failure) }
            if case let .failure(failure) = cublas { failures.append(failure) }
            throw .librariesNotFound(failures)
        }
    }

    /// The first place of `search` where `name` opens and `bind` finds every function.
    static func open<Functions>(
        _ name: CUDALibraryName, _ search: CUDALibrarySearch,
        bind: (DynamicLibrary) throws(DynamicLibrary.LoadFailure) -> Functions
    ) -> Result<(functions: Functions, path: String), LibrarySearchFailure> {
        var attempts: [LibraryAttempt] = []
        func attempt(_ path: String, location: String) -> Functions? {
            switch DynamicLibrary.open(path) {
            case let .failure(failure):
                attempts.append(LibraryAttempt(location: location, reason: failure.message))
                return nil
            case let .success(library):
                do {
                    return try bind(library)
                } catch {
                    attempts.append(LibraryAttempt(location: location, reason: "opened, but it \(error.message)"))
                    return nil
                }
            }
        }
        for place in search.places() {
            switch place {
            case let .directory(folder, origin):
                let location = "\(folder) (\(origin))"
                guard let files = name.files(in: folder) else {
                    attempts.append(LibraryAttempt(location: location, reason: "no such folder"))
                    continue
                }
                guard !files.isEmpty else {
                    attempts.append(LibraryAttempt(location: location, reason: "no \(name.filePrefix)* in it"))
                    continue
                }
                // Libraries it needs, made visible first, for folders without an rpath.
                for companion in name.companions {
                    if let file = CUDALibraryName(title: companion, filePrefix: companion, sonames: [], companions: []).files(in: folder)?.first {
                        _ = DynamicLibrary.open(file, global: true)
                    }
                }
                for file in files {
                    if let functions = attempt(file, location: file) { return .success((functions, file)) }
                }
            case .systemLoader:
                for soname in name.sonames {
                    if let functions = attempt(soname, location: "\(soname) (the system's library search)") {
                        return .success((functions, soname))
                    }
                }
            case let .noSitePackages(patterns):
                attempts.append(LibraryAttempt(location: "Python site-packages",
                                               reason: "no nvidia/*/lib folder in \(patterns.joined(separator: ", "))"))
            }
        }
        return .failure(LibrarySearchFailure(library: name.title, attempts: attempts))
    }
}
