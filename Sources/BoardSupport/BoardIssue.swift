public import ConfigSupport

/// One problem found while validating a board file (the shared `ConfigIssue` of every YAML document we read).
public typealias BoardIssue = ConfigIssue
