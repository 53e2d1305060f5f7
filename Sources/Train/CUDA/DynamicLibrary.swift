#if canImport(Glibc)
import Glibc
#endif

/// A shared library opened with `dlopen`, and its symbols as typed C function pointers.
///
/// Libraries are never closed: the CUDA libraries start threads and keep state that must
/// outlive every object using them, and unloading them at exit is a known source of crashes.
final class DynamicLibrary: @unchecked Sendable {
    /// The path or name the library was opened by.
    let path: String
    private let handle: UnsafeMutableRawPointer

    private init(path: String, handle: UnsafeMutableRawPointer) {
        self.path = path
        self.handle = handle
    }

    /// Opens `path` (a file, or a bare name for the system's search) with `dlopen`, resolving
    /// every symbol now; returns the loader's message when it fails. `global` makes its symbols
    /// available to libraries opened later (`RTLD_GLOBAL`), for a library others depend on.
    static func open(_ path: String, global: Bool = false) -> Result<DynamicLibrary, LoadFailure> {
        _ = dlerror()
        guard let handle = dlopen(path, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL)) else {
            let message = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            return .failure(LoadFailure(message: message))
        }
        return .success(DynamicLibrary(path: path, handle: handle))
    }

    /// The symbol `name` as a value of the C function pointer type `T`
    /// (`@convention(c)`); the caller states the C signature.
    func symbol<T>(_ name: String, as type: T.Type = T.self) throws(LoadFailure) -> T {
        precondition(MemoryLayout<T>.size == MemoryLayout<UnsafeMutableRawPointer>.size,
                     "DynamicLibrary.symbol: \(T.self) is not a C function pointer type")
        guard let address = dlsym(handle, name) else {
            throw LoadFailure(message: "has no symbol \(name)")
        }
        return unsafeBitCast(address, to: T.self)
    }

    /// Why a library or one of its symbols could not be loaded.
    struct LoadFailure: Error {
        let message: String
    }
}
