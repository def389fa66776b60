// swift-format-ignore-file
// (vendored Yams 5.0.1, kept in its upstream style; see Package.swift)
//
//  String+Yams.swift
//  Yams
//
//  Created by Norio Nomura on 12/7/16.
//  Copyright (c) 2016 Yams. All rights reserved.
//

import FoundationEssentials

extension String {
    typealias LineNumberColumnAndContents = (lineNumber: Int, column: Int, contents: String)

    /// line number, column and contents at offset.
    ///
    /// - parameter offset: Int
    ///
    /// - returns: lineNumber: line number start from 0,
    ///            column: utf16 column start from 0,
    ///            contents: substring of line
    func lineNumberColumnAndContents(at offset: Int) -> LineNumberColumnAndContents? {
        return index(startIndex, offsetBy: offset, limitedBy: endIndex).flatMap(lineNumberColumnAndContents)
    }

    /// line number, column and contents at Index.
    ///
    /// - parameter index: String.Index
    ///
    /// - returns: lineNumber: line number start from 0,
    ///            column: utf16 column start from 0,
    ///            contents: substring of line
    func lineNumberColumnAndContents(at index: Index) -> LineNumberColumnAndContents {
        assert((startIndex..<endIndex).contains(index))
        var number = 0
        var outStartIndex = startIndex, outEndIndex = startIndex
        (outStartIndex, outEndIndex) = lineBounds(at: startIndex)
        while outEndIndex <= index && outEndIndex < endIndex {
            number += 1
            let range: Range = outEndIndex..<outEndIndex
            (outStartIndex, outEndIndex) = lineBounds(at: range.lowerBound)
        }
        let utf16StartIndex = outStartIndex.samePosition(in: utf16)!
        let utf16Index = index.samePosition(in: utf16)!
        return (
            number,
            utf16.distance(from: utf16StartIndex, to: utf16Index),
            String(self[outStartIndex..<outEndIndex])
        )
    }

    /// substring indicated by line number.
    ///
    /// - parameter line: line number starts from 0.
    ///
    /// - returns: substring of line contains line ending characters
    func substring(at line: Int) -> String {
        var number = 0
        var outStartIndex = startIndex, outEndIndex = startIndex
        (outStartIndex, outEndIndex) = lineBounds(at: startIndex)
        while number < line && outEndIndex < endIndex {
            number += 1
            let range: Range = outEndIndex..<outEndIndex
            (outStartIndex, outEndIndex) = lineBounds(at: range.lowerBound)
        }
        return String(self[outStartIndex..<outEndIndex])
    }

    /// Curbside: NSString's `getLineStart(_:end:contentsEnd:for:)` without the full Foundation: the start of the line
    /// holding `position` and the end of that line after its terminator (LF, CR, CR LF, U+0085, U+2028, U+2029).
    private func lineBounds(at position: Index) -> (start: Index, end: Index) {
        var start = position
        while start > startIndex, !isLineTerminator(self[index(before: start)]) {
            start = index(before: start)
        }
        var end = position
        while end < endIndex {
            let character = self[end]
            end = index(after: end)
            if isLineTerminator(character) { break }
        }
        return (start, end)
    }

    /// String appending newline if is not ending with newline.
    var endingWithNewLine: String {
        let isEndsWithNewLines = unicodeScalars.last.map(isNewline) ?? false
        if isEndsWithNewLines {
            return self
        } else {
            return self + "\n"
        }
    }
}

// Curbside: `CharacterSet.newlines` (U+000A–U+000D, U+0085, U+2028, U+2029) without the full Foundation.
private func isNewline(_ scalar: Unicode.Scalar) -> Bool {
    return (0x0A...0x0D).contains(scalar.value) || scalar.value == 0x85 || scalar.value == 0x2028
        || scalar.value == 0x2029
}

private func isLineTerminator(_ character: Character) -> Bool {
    return character == "\r\n" || (character.unicodeScalars.count == 1 && isNewline(character.unicodeScalars.first!)
        && character != "\u{0B}" && character != "\u{0C}")
}
