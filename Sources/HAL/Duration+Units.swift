extension Duration {
    /// The duration in seconds as a `Double`, for physics and rates (sub-nanosecond parts are below its precision).
    public var totalSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in whole nanoseconds, for system calls and monotonic-clock arithmetic.
    public var totalNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
