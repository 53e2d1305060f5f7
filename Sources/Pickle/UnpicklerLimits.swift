/// Bounds that keep a hostile pickle from exhausting memory through many small items.
/// (Large payloads are bounded by the input itself: see `PickleInput`.)
public struct UnpicklerLimits: Sendable {
    /// Most entries the memo may hold.
    public var maximumMemoEntries: Int
    /// Largest memo key accepted by PUT/BINPUT/LONG_BINPUT.
    public var maximumMemoKey: Int
    /// Most values (numbers, strings, containers, …) the pickle may create.
    public var maximumValues: Int

    public init(maximumMemoEntries: Int = 10_000_000, maximumMemoKey: Int = Int(UInt32.max), maximumValues: Int = 50_000_000) {
        self.maximumMemoEntries = maximumMemoEntries
        self.maximumMemoKey = maximumMemoKey
        self.maximumValues = maximumValues
    }

    public static let `default` = UnpicklerLimits()
}
