#if canImport(Glibc)
import Glibc
#endif

/// One of the NVIDIA libraries the GPU backend opens: what it is called, in a folder and by
/// the system's loader.
struct CUDALibraryName: Sendable {
    /// What the library is, for messages: "the CUDA driver (libcuda.so.1)".
    let title: String
    /// The file name before any version: "libcuda.so".
    let filePrefix: String
    /// Names to ask the system's loader for, preferred first; files with these names are
    /// also preferred in a folder.
    let sonames: [String]
    /// Libraries it needs, opened first from the same folder when there, for folders whose
    /// libraries do not find each other by themselves (cuBLAS needs cuBLASLt).
    let companions: [String]

    static let driver = CUDALibraryName(title: "the CUDA driver (libcuda.so.1)", filePrefix: "libcuda.so",
                                        sonames: ["libcuda.so.1", "libcuda.so"], companions: [])
    static let nvrtc = CUDALibraryName(title: "NVRTC, the CUDA runtime compiler (libnvrtc.so*)", filePrefix: "libnvrtc.so",
                                       sonames: ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"], companions: [])
    static let cublas = CUDALibraryName(title: "cuBLAS (libcublas.so*)", filePrefix: "libcublas.so",
                                        sonames: ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"],
                                        companions: ["libcublasLt.so"])

    /// The files in `folder` that are this library, preferred first: the sonames in their
    /// order, then other versions, highest first ("libnvrtc.so.12" but not "libnvrtc-builtins.so").
    func files(in folder: String) -> [String]? {
        guard let names = Self.entries(of: folder) else { return nil }
        let matching = names.filter { Self.isVersioned($0, of: filePrefix) }
        return matching.sorted { a, b in
            let (ra, rb) = (sonames.firstIndex(of: a) ?? sonames.count, sonames.firstIndex(of: b) ?? sonames.count)
            if ra != rb { return ra < rb }
            return Self.version(a, of: filePrefix).lexicographicallyPrecedes(Self.version(b, of: filePrefix), by: >)
        }.map { folder + "/" + $0 }
    }

    /// Whether `name` is `prefix` or `prefix` followed by a dotted version (".12", ".12.9.86").
    static func isVersioned(_ name: String, of prefix: String) -> Bool {
        guard name.hasPrefix(prefix) else { return false }
        let rest = name.dropFirst(prefix.count)
        return rest.isEmpty || (rest.first == "." && rest.dropFirst().allSatisfy { $0 == "." || $0.isNumber } && rest.count > 1)
    }

    /// The version numbers after `prefix`: [12, 9, 86] for "libnvrtc.so.12.9.86".
    static func version(_ name: String, of prefix: String) -> [Int] {
        name.dropFirst(prefix.count).split(separator: ".").compactMap { Int($0) }
    }

    /// The names in a folder, or nil when it cannot be read.
    static func entries(of folder: String) -> [String]? {
        guard let directory = opendir(folder) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
