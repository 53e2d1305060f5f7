import Glibc
import Pickle

/// Read-only file mappings made with `mmap(2)`, handed out as `ByteStorage` that calls
/// `munmap(2)` when the last reference goes.
enum MappedFile {
    /// How the mapped bytes will be read, passed on to `madvise(2)`.
    enum AccessPattern {
        /// Read once, front to back (`MADV_SEQUENTIAL`): compressed input.
        case sequential
        /// Needed soon and kept (`MADV_WILLNEED`): plain pickles whose arrays point into the map.
        case willNeed
    }

    /// Maps the first `size` bytes of `descriptor` read-only and private with `mmap(2)`.
    /// A `size` of zero gives empty heap storage, since `mmap` refuses zero bytes.
    static func map(_ descriptor: FileDescriptor, size: Int) throws -> ByteStorage {
        guard size > 0 else { return ByteStorage(capacity: 0) }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor.rawValue, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw MNISTToolsError.cannotRead(
                path: descriptor.path, reason: "mmap failed: " + systemErrorMessage(errno))
        }
        return ByteStorage(adopting: address, count: size) { pointer, count in
            _ = munmap(pointer, count)
        }
    }

    /// Tells the kernel how `storage` (made by `map`) will be read, with `madvise(2)`.
    /// Advice only: a failure changes nothing and is ignored.
    static func advise(_ storage: ByteStorage, _ pattern: AccessPattern) {
        guard storage.count > 0 else { return }
        let advice: Int32
        switch pattern {
        case .sequential: advice = MADV_SEQUENTIAL
        case .willNeed: advice = MADV_WILLNEED
        }
        _ = madvise(storage.baseAddress, storage.count, advice)
    }
}
