import Glibc

/// Choices that decide how `openInput(path:options:)` delivers the bytes of a file.
public struct InputOptions: Sendable {
    /// The largest inflated size read whole into memory; larger gzip files are streamed.
    public var wholeBufferLimit: Int
    /// Always return a stream, even for a regular file that could be mapped or inflated whole.
    public var forceStreaming: Bool

    /// Options with the given limit (half of physical memory unless told) and streaming choice.
    public init(wholeBufferLimit: Int = InputOptions.defaultWholeBufferLimit, forceStreaming: Bool = false) {
        self.wholeBufferLimit = wholeBufferLimit
        self.forceStreaming = forceStreaming
    }

    /// Half of physical memory as a whole-buffer limit, streaming only where needed.
    public static let `default` = InputOptions()

    /// Half of physical memory, from `sysconf(_SC_PHYS_PAGES)` × `sysconf(_SC_PAGESIZE)`;
    /// 1 GiB where the system does not say.
    public static var defaultWholeBufferLimit: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 1 << 30 }
        let (total, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max / 2 : total / 2
    }
}
