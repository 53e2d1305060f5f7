import Synchronization

extension PickleValue {
    /// Releases `values` without recursing into nested containers. Every container's
    /// deinit hands its children here.
    ///
    /// Letting a deinit release its children directly would run their deinits inside it, one
    /// native stack frame per level: a pickle nested a million levels deep would overflow the
    /// stack when freed. Instead the children are queued, and only the outermost call
    /// releases queued values, in a loop: a deinit that runs during that loop just queues its
    /// own children and returns, so the stack never grows with the depth.
    static func dismantle(_ values: inout [PickleValue]) {
        guard values.contains(where: \.isContainer) else {
            values = []
            return
        }
        // Moved into the queue by swapping, so no second reference stays in this frame.
        var batch = ReleaseBatch(values: [])
        swap(&batch.values, &values)
        let shouldDrain = releaseQueue.withLock { queue in
            queue.pending.append(ReleaseBatch(values: []))
            swap(&queue.pending[queue.pending.count - 1], &batch)
            if queue.isDraining { return false }
            queue.isDraining = true
            return true
        }
        guard shouldDrain else { return }
        while var next = releaseQueue.withLock({ queue in queue.takeNext() }) {
            next.values = []   // releasing may queue more batches; the loop picks them up
        }
    }

    private var isContainer: Bool {
        switch self {
        case .tuple, .list, .dict, .set, .frozenset, .object, .ndarray: true
        default: false
        }
    }
}

/// Values waiting to be released, shared by all threads: whichever thread is draining
/// releases them all.
private struct ReleaseQueue: ~Copyable {
    var pending: [ReleaseBatch] = []
    var isDraining = false

    /// The next batch, or nil after marking the queue idle (in the same critical section, so
    /// no batch can be left behind).
    mutating func takeNext() -> ReleaseBatch? {
        if let batch = pending.popLast() { return batch }
        isDraining = false
        return nil
    }
}

/// Values handed from one thread's deinit to the draining thread. Safe to send: the
/// values are unreachable from anywhere else once their container is being freed.
private struct ReleaseBatch: @unchecked Sendable {
    var values: [PickleValue]
}

private let releaseQueue = Mutex(ReleaseQueue())
