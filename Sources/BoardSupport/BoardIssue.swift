public import ConfigSupport

/// One problem found while validating a board file (the shared `ConfigIssue` of every YAML document we read).
public typealias BoardIssue = ConfigIssue

/// A board file that could not be read, parsed or validated, with every problem found.
public typealias BoardError = DocumentError
