public import ArgumentParser
public import Logging

/// `--log-level info` parses into a Logger.Level.
extension Logger.Level: @retroactive ExpressibleByArgument {}
