// swift-format-ignore-file
// (vendored Yams 5.0.1, kept in its upstream style; see Package.swift)
//
//  Resolver.swift
//  Yams
//
//  Created by Norio Nomura on 12/15/16.
//  Copyright (c) 2016 Yams. All rights reserved.
//

import FoundationEssentials

/// Class used to resolve nodes to tags based on customizable rules.
public final class Resolver {
    /// Rule describing how to resolve tags from regex patterns.
    public struct Rule {
        /// The tag name this rule applies to.
        public let tag: Tag.Name
        fileprivate let matcher: Matcher
        /// The regex pattern used to resolve this rule.
        public let pattern: String

        // Curbside: the default rules match by hand (ScalarPatterns.swift); a rule made from a pattern compiles it.
        fileprivate enum Matcher {
            case regex(Regex<AnyRegexOutput>)
            case bytes((ScalarPatterns.Bytes) -> Bool)
        }

        /// A default rule: `matches` stands for `pattern`, which is kept for ``replacing(_:with:)`` and readers.
        fileprivate init(_ tag: Tag.Name, matches: @escaping (ScalarPatterns.Bytes) -> Bool, _ pattern: String) {
            self.tag = tag
            self.pattern = pattern
            self.matcher = .bytes(matches)
        }

        /// Create a rule with the specified tag name and regex pattern.
        ///
        /// - parameter tag: The tag name this rule should apply to.
        /// - parameter pattern: The regex pattern used to resolve this rule.
        ///
        /// - throws: Throws an error if the regular expression pattern is invalid.
        public init(_ tag: Tag.Name, _ pattern: String) throws {
            self.tag = tag
            self.pattern = pattern
            self.matcher = .regex(try Regex(pattern))
        }
    }

    /// The rules used by this resolver to resolve nodes to tags.
    public let rules: [Rule]

    internal init(_ rules: [Rule] = []) { self.rules = rules }

    /// Resolve a tag name from a given node.
    ///
    /// - parameter node: Node whose tag should be resolved.
    ///
    /// - returns: The resolved tag name.
    public func resolveTag(of node: Node) -> Tag.Name {
        switch node {
        case let .scalar(scalar):
            return resolveTag(of: scalar)
        case let .mapping(mapping):
            return resolveTag(of: mapping)
        case let .sequence(sequence):
            return resolveTag(of: sequence)
        }
    }

    /// Returns a Resolver constructed by appending rule.
    public func appending(_ rule: Rule) -> Resolver {
        return .init(rules + [rule])
    }

    /// Returns a Resolver constructed by appending pattern for tag.
    public func appending(_ tag: Tag.Name, _ pattern: String) throws -> Resolver {
        return appending(try Rule(tag, pattern))
    }

    /// Returns a Resolver constructed by replacing rule.
    public func replacing(_ rule: Rule) -> Resolver {
        return .init(rules.map { $0.tag == rule.tag ? rule : $0 })
    }

    /// Returns a Resolver constructed by replacing pattern for tag.
    public func replacing(_ tag: Tag.Name, with pattern: String) throws -> Resolver {
        return .init(try rules.map { $0.tag == tag ? try Rule($0.tag, pattern) : $0 })
    }

    /// Returns a Resolver constructed by removing pattern for tag.
    public func removing(_ tag: Tag.Name) -> Resolver {
        return .init(rules.filter({ $0.tag != tag }))
    }

    // MARK: - internal

    func resolveTag<T>(of value: T) -> Tag.Name where T: TagResolvable {
        return value.resolveTag(using: self)
    }

    func resolveTag(from string: String) -> Tag.Name {
        var utf8 = string
        return utf8.withUTF8 { bytes in
            for rule in rules where rule.matches(string, bytes) {
                return rule.tag
            }
            return .str
        }
    }
}

// MARK: Defaults

extension Resolver {
    /// Resolver with no rules.
    public static let basic = Resolver()
    /// Resolver with a default set of rules.
    public static let `default` = Resolver([.bool, .int, .float, .merge, .null, .timestamp, .value])
}

// MARK: Default Resolver Rules

extension Resolver.Rule {
    /// Default bool resolver rule.
    public static let bool = Resolver.Rule(.bool, matches: ScalarPatterns.bool, """
        ^(?:yes|Yes|YES|no|No|NO\
        |true|True|TRUE|false|False|FALSE\
        |on|On|ON|off|Off|OFF)$
        """)

    /// Default int resolver rule.
    public static let int = Resolver.Rule(.int, matches: ScalarPatterns.int, """
        ^(?:[-+]?0b[0-1_]+\
        |[-+]?0o?[0-7_]+\
        |[-+]?(?:0|[1-9][0-9_]*)\
        |[-+]?0x[0-9a-fA-F_]+\
        |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$
        """)

    /// Default float resolver rule.
    public static let float = Resolver.Rule(.float, matches: ScalarPatterns.float, """
        ^(?:[-+]?(?:[0-9][0-9_]*)(?:\\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?\
        |\\.[0-9_]+(?:[eE][-+][0-9]+)?\
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*\
        |[-+]?\\.(?:inf|Inf|INF)\
        |\\.(?:nan|NaN|NAN))$
        """)

    /// Default merge resolver rule.
    public static let merge = Resolver.Rule(.merge, matches: ScalarPatterns.merge, "^(?:<<)$")

    /// Default null resolver rule.
    public static let null = Resolver.Rule(.null, matches: ScalarPatterns.null, """
        ^(?:~\
        |null|Null|NULL\
        |)$
        """)

    /// Default timestamp resolver rule.
    public static let timestamp = Resolver.Rule(.timestamp, matches: ScalarPatterns.timestamp, """
        ^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]\
        |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?\
        (?:[Tt]|[ \\t]+)[0-9][0-9]?\
        :[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?\
        (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$
        """)

    /// Default value resolver rule.
    public static let value = Resolver.Rule(.value, matches: ScalarPatterns.value, "^(?:=)$")
}

// Curbside: a rule made from a pattern compiles it with Swift's own Regex (the standard library's _StringProcessing)
// instead of NSRegularExpression, which needs the full Foundation and ICU.

private extension Resolver.Rule {
    func matches(_ string: String, _ bytes: ScalarPatterns.Bytes) -> Bool {
        switch matcher {
        case let .regex(regex): return (try? regex.firstMatch(in: string)) != nil
        case let .bytes(matches): return matches(bytes)
        }
    }
}
