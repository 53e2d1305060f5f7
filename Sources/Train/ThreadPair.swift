// ThreadPair: the CPU backend's parallelism, a job split in two halves run at once.
//
// Training steps are small (an MLP minibatch is a few hundred microseconds), so handing
// work to a thread pool per kernel (Dispatch, OpenBLAS's own threads) costs as much as the
// work. Here one persistent worker spins briefly between jobs and the caller runs the other
// half itself: starting and joining a job costs well under a microsecond while training.
// A worker left idle for a while sleeps on a condition variable, so it burns no core
// between training runs. When the machine is busy and the worker is not running, the
// caller does not wait for it: whoever claims the second half first runs it.
//
// The split is a function of the job alone, never of the core count: on a one-core machine
// both halves run on the caller, one after the other, with bit-identical results.

import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body(0)` and `body(1)` at the same time, on the calling thread and on one worker.
final class ThreadPair: @unchecked Sendable {
    /// The pair every `CPUBackend` shares; `nil` on a one-core machine.
    static let shared: ThreadPair? = sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 ? ThreadPair() : nil

    /// Bumped by the caller to hand the worker a job.
    private let started = Atomic<Int>(0)
    /// The last job whose second half the worker or the caller has claimed.
    private let claimed = Atomic<Int>(0)
    /// Set by the worker to the job number whose second half it has finished.
    private let finished = Atomic<Int>(0)
    /// The job's body while a job runs; written before `started` is bumped, read after.
    private var body: ((Int) -> Void)?
    /// Only one caller at a time may use the pair; a second runs both halves itself.
    private let busy = Atomic<Bool>(false)
    /// Whether the worker sleeps on `wake` rather than spinning.
    private let sleeping = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>

    /// Spins of the worker's wait loop before it goes to sleep (some tens of microseconds).
    private static let spinsBeforeSleeping = 200_000
    /// Spins of the caller's wait for the worker before it yields the core to it.
    private static let spinsBeforeYielding = 100_000

    private init() {
        mutex = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<ThreadPair>.fromOpaque(context).takeUnretainedValue().workerLoop()
        }, context)
        precondition(created == 0, "ThreadPair: pthread_create failed (\(created))")
        pthread_detach(thread)
    }

    /// Runs `body(0)` here and `body(1)` on the worker, returning when both are done. When
    /// another thread is using the pair, both halves run here, one after the other.
    func run(_ body: (Int) -> Void) {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            body(0)
            body(1)
            return
        }
        withoutActuallyEscaping(body) { body in
            self.body = body
            // Sequentially consistent, with the worker's side, so that either it sees the new
            // job before sleeping or this thread sees it sleeping and wakes it.
            let job = started.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
            if sleeping.load(ordering: .sequentiallyConsistent) {
                pthread_mutex_lock(mutex)
                pthread_cond_signal(wake)
                pthread_mutex_unlock(mutex)
            }
            body(0)
            if claimed.compareExchange(expected: job - 1, desired: job, ordering: .acquiringAndReleasing).exchanged {
                body(1)
            } else {
                var spins = 0
                while finished.load(ordering: .acquiring) != job {
                    spins += 1
                    if spins > Self.spinsBeforeYielding { sched_yield() }
                }
            }
            self.body = nil
        }
        busy.store(false, ordering: .releasing)
    }

    private func workerLoop() -> Never {
        var done = 0
        while true {
            var spins = 0
            while started.load(ordering: .acquiring) == done {
                spins += 1
                if spins < Self.spinsBeforeSleeping { continue }
                pthread_mutex_lock(mutex)
                sleeping.store(true, ordering: .sequentiallyConsistent)
                while started.load(ordering: .sequentiallyConsistent) == done {
                    pthread_cond_wait(wake, mutex)
                }
                sleeping.store(false, ordering: .relaxed)
                pthread_mutex_unlock(mutex)
            }
            done = started.load(ordering: .acquiring)
            if claimed.compareExchange(expected: done - 1, desired: done, ordering: .acquiringAndReleasing).exchanged {
                body?(1)
                finished.store(done, ordering: .releasing)
            }
        }
    }
}

/// Runs `body(0)` and `body(1)` in parallel when a `ThreadPair` exists, else one after the other.
func inTwoHalves(_ body: (Int) -> Void) {
    if let pair = ThreadPair.shared {
        pair.run(body)
    } else {
        body(0)
        body(1)
    }
}

/// Runs `body` over `0..<count`: whole when `count` is below `threshold`, else in two
/// halves at once (`inTwoHalves`), split at a multiple of `grain`. For work whose result
/// does not depend on how the range is cut (each index written on its own).
func inHalves(of count: Int, threshold: Int, grain: Int = 16, _ body: (Range<Int>) -> Void) {
    guard count >= threshold, count >= 2 * grain else {
        body(0..<count)
        return
    }
    let middle = count / 2 / grain * grain
    inTwoHalves { half in body(half == 0 ? 0..<middle : middle..<count) }
}

/// Runs `body(i, thread)` for every i in `0..<count`, shared by the two threads
/// (`inTwoHalves`; `thread` is 0 for the caller and 1 for the worker, for scratch space of
/// each thread's own): the caller takes indices from the front, the worker from the back,
/// each the next not yet taken, until they meet. Neither waits long for the other when
/// pieces take unequal times or one core runs slower, and when they take equal times each
/// thread gets the same pieces every call, so the data a piece writes stays in that core's
/// cache from one call to the next. For pieces whose results do not depend on which thread
/// runs them or in what order.
func inPieces(_ count: Int, _ body: (_ index: Int, _ thread: Int) -> Void) {
    guard count > 1 else {
        if count == 1 { body(0, 0) }
        return
    }
    precondition(count < 1 << 31, "inPieces: \(count) pieces")
    // How many pieces each end has taken: the front's count in the low 32 bits, the back's
    // in the high 32, changed together so that the two never take the same piece.
    let taken = Atomic<Int>(0)
    inTwoHalves { half in
        let step = half == 0 ? 1 : 1 << 32
        var current = taken.load(ordering: .relaxed)
        while true {
            let (front, back) = (current & 0xFFFF_FFFF, current >> 32)
            if front + back >= count { return }
            let (exchanged, original) = taken.compareExchange(
                expected: current, desired: current + step, ordering: .relaxed)
            if exchanged {
                body(half == 0 ? front : count - 1 - back, half)
                current = taken.load(ordering: .relaxed)
            } else {
                current = original
            }
        }
    }
}
