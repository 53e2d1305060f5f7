/// Everything that can go wrong finding, loading and using the NVIDIA libraries.
public enum CUDAError: Error, Equatable, CustomStringConvertible {
    /// Some of the libraries the GPU needs could not be loaded; each failure lists every
    /// place that was looked at and why it did not do.
    case librariesNotFound([LibrarySearchFailure])
    /// The driver loaded but offers no device to compute on.
    case noDevice(reason: String)
    /// A CUDA driver API call failed: `name` and `message` are the driver's for `code`.
    case driverCall(function: String, code: Int32, name: String, message: String)
    /// An NVRTC call failed (not a compilation error; see `compilationFailed`).
    case nvrtcCall(function: String, code: Int32, message: String)
    /// NVRTC refused the embedded kernels; `log` is its compiler output.
    case compilationFailed(options: [String], message: String, log: String)
    /// No architecture both NVRTC and the device support.
    case unsupportedArchitecture(device: Int, nvrtcSupports: [Int])
    /// A cuBLAS call failed.
    case cublasCall(function: String, status: Int32)
    /// The compiled module lacks a kernel the backend launches.
    case kernelMissing(name: String, code: Int32)

    /// The error in one line: `description` without the list of places looked at.
    public var summary: String {
        if case let .librariesNotFound(failures) = self {
            return "no usable GPU: could not load " + failures.map(\.library).joined(separator: ", ")
        }
        return String(description.prefix(while: { $0 != "\n" }))
    }

    public var description: String {
        switch self {
        case let .librariesNotFound(failures):
            let names = failures.map(\.library).joined(separator: ", ")
            return "no usable GPU: could not load \(names).\n" + failures.map(\.description).joined(separator: "\n")
        case let .noDevice(reason):
            return "no usable GPU: \(reason)"
        case let .driverCall(function, code, name, message):
            return "CUDA driver call \(function) failed: \(name) (\(code)): \(message)"
        case let .nvrtcCall(function, code, message):
            return "NVRTC call \(function) failed (\(code)): \(message)"
        case let .compilationFailed(options, message, log):
            return "NVRTC could not compile the embedded kernels with \(options.joined(separator: " ")): \(message)\n\(log)"
        case let .unsupportedArchitecture(device, supported):
            return "NVRTC cannot compile for this GPU (compute capability \(device / 10).\(device % 10)): "
                + "it supports \(supported.map { "sm_\($0)" }.joined(separator: ", "))"
        case let .cublasCall(function, status):
            return "cuBLAS call \(function) failed: \(CuBLASFunctions.statusName(status)) (\(status))"
        case let .kernelMissing(name, code):
            return "the compiled kernels have no entry point \(name) (cuModuleGetFunction returned \(code))"
        }
    }
}

/// One library that could not be loaded, and every place it was looked for.
public struct LibrarySearchFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was looked for, such as "the CUDA driver (libcuda.so.1)".
    public let library: String
    /// Each place tried, in order, with the reason it failed.
    public let attempts: [LibraryAttempt]

    public var description: String {
        "  \(library), looked for in:\n" + attempts.map { "    \($0.location): \($0.reason)" }.joined(separator: "\n")
    }
}

/// One place a library was looked for: a file, a folder, or a name given to the system's
/// loader, and why it did not do.
public struct LibraryAttempt: Equatable, Sendable {
    public let location: String
    public let reason: String

    public init(location: String, reason: String) {
        self.location = location
        self.reason = reason
    }
}
