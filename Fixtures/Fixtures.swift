/// The report's figures and named records, compiled into the binary so `gridwork` runs from any
/// directory. The JSON files beside this one are the source; SwiftPM embeds their bytes.
public enum Fixtures {
    /// `figures.json`: every figure of the report with its id, key, quote and reported value.
    public static var figuresJSON: [UInt8] { PackageResources.figures_json }
    /// `named.json`: the towns, villages, cadres and projects the report names.
    public static var namedJSON: [UInt8] { PackageResources.named_json }
}
