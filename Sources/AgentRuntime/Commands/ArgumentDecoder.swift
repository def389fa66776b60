import Foundation

/// Decodes a command's `args` into its typed arguments, turning `DecodingError` into a path-precise message such as
/// `args.level: expected number, got string`.
enum ArgumentDecoder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func decode<T: Decodable>(_ type: T.Type, from args: JSONValue?) throws(Failure) -> T {
        let value = args ?? .object([:])
        do {
            let data = try JSONEncoder().encode(value)
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Failure(description: describe(error, in: value))
        } catch {
            throw Failure(description: "args: \(error)")
        }
    }

    private static func describe(_ error: DecodingError, in root: JSONValue) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            let found = value(at: context.codingPath, in: root)?.typeName ?? "nothing"
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

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce("args") { text, key in
            if let index = key.intValue { return "\(text)[\(index)]" }
            return "\(text).\(key.stringValue)"
        }
    }

    private static func value(at codingPath: [any CodingKey], in root: JSONValue) -> JSONValue? {
        var current: JSONValue? = root
        for key in codingPath {
            switch current {
            case .object(let object)?: current = object[key.stringValue]
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
