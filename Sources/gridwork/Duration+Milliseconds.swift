extension Duration {
    /// Whole milliseconds, for the summary lines and log fields of the commands.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
