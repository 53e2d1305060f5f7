/// The elementwise nonlinearities of the tutorials' hidden layers.
///
/// Each derivative is written in terms of the forward output y = f(x), so the
/// backward pass needs only what the forward pass kept:
///
///     tanh:     y = tanh(x)             f′ = 1 − y²
///     sigmoid:  y = 1 / (1 + e^(−x))    f′ = y·(1 − y)
///     relu:     y = max(0, x)           f′ = 1 if y > 0 else 0   (0 at x = 0)
///
/// The raw values are the names the command line accepts.
public enum ActivationKind: String, CaseIterable, Sendable {
    case tanh
    case sigmoid
    case relu
}
