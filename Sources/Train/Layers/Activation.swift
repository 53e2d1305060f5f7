/// An elementwise nonlinearity as a layer: `y = f(x)` (see `ActivationKind`).
///
/// Shapes: x, y, dy and dx are all B×N.
///
///     forward:   y  = f(x)
///     backward:  dx = dy ⊙ f′(x), with f′ written in terms of y
///
/// `forward` keeps y for `backward`. There are no parameters.
public struct Activation: Sendable {
    /// The function applied.
    public let kind: ActivationKind
    /// y from the last `forward`.
    private var output: Matrix?

    public init(_ kind: ActivationKind) {
        self.kind = kind
    }

    /// y = f(x); keeps y for `backward`.
    public mutating func forward(input: Matrix, using backend: some Backend) -> Matrix {
        var output = Matrix(rows: input.rows, columns: input.columns, uninitialized: ())
        backend.activationForward(kind, input: input, into: &output)
        self.output = output
        return output
    }

    /// Keeps y = f(x) computed elsewhere (by `DenseLayer.forward` with this activation) for `backward`.
    public mutating func keep(output: Matrix) {
        self.output = output
    }

    /// dx = dy ⊙ f′(x).
    public func backward(outputGradient: Matrix, using backend: some Backend) -> Matrix {
        guard let output else { preconditionFailure("Activation.backward called before forward") }
        var inputGradient = Matrix(rows: output.rows, columns: output.columns, uninitialized: ())
        backend.activationBackward(kind, output: output, outputGradient: outputGradient, into: &inputGradient)
        return inputGradient
    }
}
