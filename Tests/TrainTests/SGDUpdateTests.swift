import Testing
import Train

@Suite("SGD update with L1 and L2")
struct SGDUpdateTests {
    // W ← W − lr·(dW + L1·sign(W) + 2·L2·W) with lr = 0.1, L1 = 0.01, L2 = 0.001, by hand:
    //   w =  0.5,  dW =  0.1:   0.5  − 0.1·( 0.1 + 0.01 + 0.002·0.5)     =  0.4889
    //   w = −0.25, dW =  0.2:  −0.25 − 0.1·( 0.2 − 0.01 − 0.002·0.25)    = −0.26895
    //   w =  0,    dW = −0.3:   0    − 0.1·(−0.3 + 0    + 0)             =  0.03     (sign(0) = 0)
    //   w =  2,    dW =  0:     2    − 0.1·( 0   + 0.01 + 0.002·2)       =  1.9986
    @Test("a 1×4 example computed by hand")
    func handExample() {
        let expected: [Double] = [0.4889, -0.26895, 0.03, 1.9986]
        for backend in [CPUBackend() as any Backend, ReferenceBackend()] {
            var w = Matrix(rows: 1, columns: 4, values: [0.5, -0.25, 0, 2])
            let dW = Matrix(rows: 1, columns: 4, values: [0.1, 0.2, -0.3, 0])
            backend.sgdUpdate(&w, gradient: dW, learningRate: 0.1, l1: 0.01, l2: 0.001)
            let difference = zip(w.values, expected).map { abs(Double($0) - $1) }.max() ?? 0
            print("\(type(of: backend)) SGD hand example: largest difference \(difference)")
            #expect(difference <= 2e-7)
        }
    }

    @Test("DenseLayer.update penalises the weights but not the bias")
    func biasIsNotPenalised() {
        var layer = DenseLayer(weight: Matrix(rows: 1, columns: 2, values: [1, -1]),
                               bias: Matrix(rows: 1, columns: 2, values: [1, -1]))
        layer.update(learningRate: 0.5, l1: 0.1, l2: 0.1, using: CPUBackend())
        // Zero gradients: W ← W − 0.5·(0.1·sign(W) + 0.2·W) = ±(1 − 0.15); b unchanged.
        #expect(layer.weight.values == [0.85, -0.85])
        #expect(layer.bias.values == [1, -1])
    }
}
