/// How a settings field is written in a configuration file when the two differ: a `Duration` as whole seconds, a
/// fraction as a percentage. `decode` turns a validated file value into the field; `encode` turns the field's default
/// back into the file's terms for the schema's `default`.
public struct ConfigConversion<Field, Raw> {
    let decode: (Raw) -> Field
    let encode: (Field) -> Raw

    /// A conversion by its two directions, which must be inverse over the key's range.
    public init(decode: @escaping (Raw) -> Field, encode: @escaping (Field) -> Raw) {
        self.decode = decode
        self.encode = encode
    }
}

extension ConfigConversion where Field == Raw {
    /// The file holds the field's own value.
    public static var identity: Self { Self(decode: { $0 }, encode: { $0 }) }
}

extension ConfigConversion where Field == Duration, Raw == Int {
    /// `interval_s: 60` → 60 s.
    public static var seconds: Self { Self(decode: { .seconds($0) }, encode: { Int($0.components.seconds) }) }

    /// `reconnect_min_ms: 1000` → 1 s.
    public static var milliseconds: Self {
        Self(
            decode: { .milliseconds($0) },
            encode: { Int($0.components.seconds) * 1_000 + Int($0.components.attoseconds / 1_000_000_000_000_000) })
    }
}

extension ConfigConversion where Field == Double, Raw == Double {
    /// `hysteresis_percent: 10` → 0.1.
    public static var percentOfOne: Self { Self(decode: { $0 / 100 }, encode: { $0 * 100 }) }
}

extension ConfigConversion where Raw == Int, Field: FixedWidthInteger {
    /// A file integer into a narrower field type; the declared range keeps it representable.
    public static var narrowed: Self { Self(decode: { Field($0) }, encode: { Int($0) }) }
}
