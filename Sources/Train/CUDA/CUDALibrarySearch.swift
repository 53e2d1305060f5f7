// Where the NVIDIA libraries are looked for at run time. Nothing of CUDA is needed to build
// mnist-tools: the driver API (libcuda), NVRTC and cuBLAS are found and opened when a GPU is
// asked for, from the places a CUDA installation or a Python environment puts them.

#if canImport(Glibc)
import Glibc
#endif

/// The places to look for the NVIDIA libraries, in order:
///
/// 1. the folder given with `--cuda-lib-dir`;
/// 2. each folder of `LD_LIBRARY_PATH`;
/// 3. the system's own search (`dlopen` of the bare library name: ld.so.cache, /lib, /usr/lib);
/// 4. the CUDA toolkit's folders: `$CUDA_HOME/lib64`, `$CUDA_PATH/lib64`, `/usr/local/cuda/lib64`,
///    `/usr/local/cuda/targets/x86_64-linux/lib`, and the driver's `/usr/lib/x86_64-linux-gnu`,
///    `/usr/lib64`, `/usr/lib/wsl/lib`;
/// 5. the `nvidia/*/lib` folders of Python site-packages, where PyTorch's and the
///    `nvidia-*` wheels put libcublas and libnvrtc: found without running Python, in the
///    environments `$VIRTUAL_ENV` and `$CONDA_PREFIX`, beside each `bin` folder of `PATH`,
///    under pyenv and `~/.local`, and in the system's Python folders.
public struct CUDALibrarySearch: Sendable {
    /// The folder given on the command line, searched first.
    public var explicitDirectory: String?
    /// The environment variables the search reads (see `environmentKeys`).
    public var environment: [String: String]

    /// The variables that steer the search.
    public static let environmentKeys = ["LD_LIBRARY_PATH", "CUDA_HOME", "CUDA_PATH", "PATH", "HOME",
                                         "VIRTUAL_ENV", "CONDA_PREFIX", "PYENV_ROOT"]

    public init(explicitDirectory: String? = nil, environment: [String: String]) {
        self.explicitDirectory = explicitDirectory
        self.environment = environment
    }

    /// A search with this process's environment.
    public static func processDefault(explicitDirectory: String? = nil) -> CUDALibrarySearch {
        var environment: [String: String] = [:]
        for key in environmentKeys {
            if let value = getenv(key) { environment[key] = String(cString: value) }
        }
        return CUDALibrarySearch(explicitDirectory: explicitDirectory, environment: environment)
    }

    /// One place to look.
    enum Place: Equatable {
        /// A folder, and why it is searched ("--cuda-lib-dir", "LD_LIBRARY_PATH", …).
        case directory(String, origin: String)
        /// The system loader's own search, by bare library name.
        case systemLoader
        /// Patterns for Python site-packages that matched no folder.
        case noSitePackages(patterns: [String])
    }

    /// Every place, in the order they are searched, without repeats.
    func places() -> [Place] {
        var result: [Place] = []
        var seen: Set<String> = []
        func add(_ path: String, _ origin: String) {
            let path = Self.normalized(path)
            guard !path.isEmpty, seen.insert(path).inserted else { return }
            result.append(.directory(path, origin: origin))
        }
        if let explicitDirectory { add(explicitDirectory, "--cuda-lib-dir") }
        for folder in split(environment["LD_LIBRARY_PATH"]) { add(folder, "LD_LIBRARY_PATH") }
        result.append(.systemLoader)
        for key in ["CUDA_HOME", "CUDA_PATH"] {
            if let root = environment[key], !root.isEmpty { add(root + "/lib64", "$\(key)") }
        }
        for folder in ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
                       "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib"] {
            add(folder, "CUDA's usual folders")
        }
        let patterns = sitePackagesPatterns()
        let libraryFolders = patterns.flatMap { Self.glob($0 + "/nvidia/*/lib") }
        for folder in libraryFolders { add(folder, "Python site-packages") }
        if libraryFolders.isEmpty { result.append(.noSitePackages(patterns: patterns)) }
        return result
    }

    /// Glob patterns of the site-packages folders of the Python environments in sight.
    func sitePackagesPatterns() -> [String] {
        var prefixes: [String] = []
        for key in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
            if let prefix = environment[key], !prefix.isEmpty { prefixes.append(prefix) }
        }
        for folder in split(environment["PATH"]) where folder.hasSuffix("/bin") {
            prefixes.append(String(folder.dropLast(4)))
        }
        let home = environment["HOME"] ?? ""
        let pyenv = environment["PYENV_ROOT"] ?? (home.isEmpty ? "" : home + "/.pyenv")
        if !pyenv.isEmpty { prefixes.append(pyenv + "/versions/*") }
        if !home.isEmpty { prefixes.append(home + "/.local") }
        prefixes += ["/usr/local", "/usr", "/opt/conda"]
        var patterns: [String] = []
        for prefix in prefixes {
            for kind in ["site-packages", "dist-packages"] {
                let pattern = Self.normalized(prefix) + "/lib/python3*/" + kind
                if !patterns.contains(pattern) { patterns.append(pattern) }
            }
        }
        if !patterns.contains("/usr/lib/python3/dist-packages") { patterns.append("/usr/lib/python3/dist-packages") }
        return patterns
    }

    /// The non-empty folders of a colon-separated list.
    private func split(_ list: String?) -> [String] {
        (list ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }

    /// `path` without trailing slashes (but "/" stays).
    static func normalized(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The existing paths matching a shell pattern, sorted.
    static func glob(_ pattern: String) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard Glibc.glob(pattern, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { index in
            matches.gl_pathv[index].map { String(cString: $0) }
        }.sorted()
    }
}
