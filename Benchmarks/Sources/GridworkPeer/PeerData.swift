import Foundation

/// What the peer serves, as `Benchmarks/capture.py` took it from a running Gridwork.
struct PeerData: Sendable {
    /// `/stats` at capture time.
    var stats: Stats
    /// Every assistance record, in id order.
    var records: [AssistanceRecord]
    /// Every cadre id, for the reference check on create.
    var cadreIds: Set<String>
    /// Every grid id and its town, for the reference check and the per-town totals.
    var gridTowns: [String: String]

    /// Reads `stats.json`, `assistance-records.json`, `cadres.json` and `grids.json` from `folder`.
    static func load(from folder: String) throws -> PeerData {
        let decoder = JSONDecoder()
        func read<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
            let url = URL(fileURLWithPath: folder).appendingPathComponent(name)
            do {
                return try decoder.decode(T.self, from: Data(contentsOf: url))
            } catch {
                throw PeerDataError(file: url.path, underlying: error)
            }
        }
        var records = try read("assistance-records.json", as: [AssistanceRecord].self)
        records.sort { $0.id < $1.id }
        return PeerData(
            stats: try read("stats.json", as: Stats.self),
            records: records,
            cadreIds: Set(try read("cadres.json", as: [String].self)),
            gridTowns: try read("grids.json", as: [String: String].self)
        )
    }
}

/// A data file that is missing or does not decode.
struct PeerDataError: Error, CustomStringConvertible {
    var file: String
    var underlying: any Error

    var description: String { "cannot load \(file): \(underlying)" }
}
