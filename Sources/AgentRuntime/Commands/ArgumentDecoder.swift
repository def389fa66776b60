import FoundationEssentials

/// Decodes a command's `args` into its typed arguments, turning `DecodingError` into a path-precise message such as
/// `args.level: expected number, got string`.
enum ArgumentDecoder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func decode<T: Decodable>(_ type: T.Type, from args: JSONValue?) throws(Failure) -> T {
        let value = args ?? .object([:])
        let snakeCase = T.self is any SnakeCaseArguments.Type
        do {
            let data = try JSONEncoder().encode(value)
            let decoder = JSONDecoder()
            if snakeCase { decoder.keyDecodingStrategy = .convertFromSnakeCase }
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Failure(description: describe(error, in: value, snakeCase: snakeCase))
        } catch {
            throw Failure(description: "args: \(error)")
        }
    }

    private static func describe(_ error: DecodingError, in root: JSONValue, snakeCase: Bool) -> String {
        let path = { (codingPath: [any CodingKey]) in Self.path(codingPath, snakeCase: snakeCase) }
        let value = { (codingPath: [any CodingKey], root: JSONValue) in
            Self.value(at: codingPath, in: root, snakeCase: snakeCase)
        }
        switch error {
        case .typeMismatch(let type, let context):
            let found = value(context.codingPath, root)?.typeName ?? "nothing"
            return "\(path(context.codingPath)): expected \(jsonName(of: type)), got \(found)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(jsonName(of: type)), got null"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "args: \(error)"
        }
    }

    private static func path(_ codingPath: [any CodingKey], snakeCase: Bool) -> String {
        codingPath.reduce("args") { text, key in
            if let index = key.intValue { return "\(text)[\(index)]" }
            return "\(text).\(wireName(key, snakeCase: snakeCase))"
        }
    }

    /// The key as the payload spells it: `durationS` → `duration_s` for snake-case arguments.
    private static func wireName(_ key: any CodingKey, snakeCase: Bool) -> String {
        guard snakeCase else { return key.stringValue }
        return key.stringValue.reduce(into: "") { name, character in
            if character.isUppercase {
                name += "_" + character.lowercased()
            } else {
                name.append(character)
            }
        }
    }

    private static func value(at codingPath: [any CodingKey], in root: JSONValue, snakeCase: Bool) -> JSONValue? {
        var current: JSONValue? = root
        for key in codingPath {
            switch current {
            case .object(let object)?: current = object[wireName(key, snakeCase: snakeCase)]
            case .array(let array)?:
                guard let index = key.intValue, array.indices.contains(index) else { return nil }
                current = array[index]
            default: return nil
            }
        }
        return current
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is any BinaryInteger.Type, is any BinaryFloatingPoint.Type: "number"
        case is String.Type: "string"
        case is Bool.Type: "boolean"
        default:
            String(describing: type).hasPrefix("Array") ? "array" : "object"
        }
    }
}

/// Arguments whose snake_case names on the wire (`duration_s`) map to camelCase properties (`durationS`) without
/// `CodingKeys`; messages name the wire spelling. A type with its own `CodingKeys` must not adopt this: the keys it
/// names would no longer match.
public protocol SnakeCaseArguments: Decodable {}
