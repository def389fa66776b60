/// One of the sensor's three measurement axes (ADXL355 X, Y, Z; Z points up when the gauge is mounted flat).
public enum Axis: String, CaseIterable, Hashable, Sendable, Codable {
    case x
    case y
    case z
}

/// One value per axis.
public struct Triaxial<Value> {
    /// The X-axis value.
    public var x: Value
    /// The Y-axis value.
    public var y: Value
    /// The Z-axis value.
    public var z: Value

    /// Three values, one per axis.
    public init(x: Value, y: Value, z: Value) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// The value of `axis`.
    public subscript(axis: Axis) -> Value {
        get {
            switch axis {
            case .x: x
            case .y: y
            case .z: z
            }
        }
        set {
            switch axis {
            case .x: x = newValue
            case .y: y = newValue
            case .z: z = newValue
            }
        }
    }

    /// Applies `transform` to each axis's value.
    public func map<Result>(_ transform: (Value) throws -> Result) rethrows -> Triaxial<Result> {
        Triaxial<Result>(x: try transform(x), y: try transform(y), z: try transform(z))
    }
}

extension Triaxial: Equatable where Value: Equatable {}
extension Triaxial: Hashable where Value: Hashable {}
extension Triaxial: Sendable where Value: Sendable {}
extension Triaxial: Codable where Value: Codable {}

/// One accelerometer reading, in g (standard gravity, 9.806 65 m/s²), as the ADXL355 driver scales it.
public struct AccelerationSample: Hashable, Sendable, Codable {
    /// X acceleration, g.
    public var x: Double
    /// Y acceleration, g.
    public var y: Double
    /// Z acceleration, g.
    public var z: Double

    /// A reading of `x`, `y`, `z` g.
    public init(x: Double, y: Double, z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// The reading on `axis`, g.
    public subscript(axis: Axis) -> Double {
        switch axis {
        case .x: x
        case .y: y
        case .z: z
        }
    }

    /// Standard gravity, m/s² per g (CGPM 1901, ISO 80000-3).
    public static let standardGravity = 9.806_65
}
