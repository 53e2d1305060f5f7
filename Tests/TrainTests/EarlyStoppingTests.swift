import Testing
@testable import Train

/// The tutorials' early stopping against traces worked out by hand from their code.
@Suite struct EarlyStoppingTests {
    @Test func validationFrequencyIsTheSmallerOfBatchesAndHalfThePatience() {
        #expect(EarlyStopping(trainBatches: 83, patience: 5000, patienceIncrease: 2, improvementThreshold: 0.995).validationFrequency == 83)
        #expect(EarlyStopping(trainBatches: 2500, patience: 10000, patienceIncrease: 2, improvementThreshold: 0.995).validationFrequency == 2500)
        #expect(EarlyStopping(trainBatches: 100, patience: 10, patienceIncrease: 2, improvementThreshold: 0.995).validationFrequency == 5)
        let stopping = EarlyStopping(trainBatches: 5, patience: 100, patienceIncrease: 2, improvementThreshold: 0.995)
        #expect((0..<15).filter(stopping.validatesAfter) == [4, 9, 14])
    }

    /// patience 10, 5 batches an epoch: validations after iterations 4, 9, 14, 19, …
    ///   iter 4:  0.50 new best, significant → patience max(10, 8) = 10
    ///   iter 9:  0.30 new best, significant → patience max(10, 18) = 18
    ///   iter 14: 0.2995 new best but not below 0.30 × 0.995 = 0.2985 → patience stays 18
    ///   iter 18: patience 18 ≤ 18 → stop (before the validation at 19)
    @Test func handWorkedTrace() {
        var stopping = EarlyStopping(trainBatches: 5, patience: 10, patienceIncrease: 2, improvementThreshold: 0.995)
        var log: [String] = []
        let errors: [Int: Double] = [4: 0.5, 9: 0.3, 14: 0.2995, 19: 0.1]
        for iteration in 0..<100 {
            if stopping.validatesAfter(iteration: iteration), let error = errors[iteration] {
                let best = stopping.record(validationError: error, iteration: iteration)
                log.append("\(iteration):\(best ? "best" : "-"):\(stopping.patience)")
            }
            if stopping.stopsAfter(iteration: iteration) {
                log.append("stop:\(iteration)")
                break
            }
        }
        #expect(log == ["4:best:10", "9:best:18", "14:best:18", "stop:18"])
        #expect(stopping.bestValidationError == 0.2995)
        #expect(stopping.bestIteration == 14)
    }

    @Test func aWorseOrEqualErrorIsNoNewBest() {
        var stopping = EarlyStopping(trainBatches: 5, patience: 10, patienceIncrease: 2, improvementThreshold: 0.995)
        let first = stopping.record(validationError: 0.2, iteration: 4)
        let equal = stopping.record(validationError: 0.2, iteration: 9)
        let worse = stopping.record(validationError: 0.25, iteration: 14)
        #expect(first && !equal && !worse)
        #expect(stopping.bestIteration == 4)
        #expect(stopping.patience == 10)
    }
}
