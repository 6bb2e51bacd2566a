import Testing

/// The suites that push the machine to its limits (descriptors, ports): one at a time, so
/// they do not exhaust each other's resources.
@Suite(.serialized) enum ResourceTests {}
