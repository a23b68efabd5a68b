import Glibc
import GridworkFixtures
import JSON
import Synchronization

/// The fixture files: the embedded ones, unless `FixtureSource.use(directory:)` replaced them.
enum FixtureData {
    static let replacement = Mutex<(figures: [UInt8]?, named: [UInt8]?)>((nil, nil))

    static var figures: [UInt8] { replacement.withLock { $0.figures } ?? Fixtures.figuresJSON }
    static var named: [UInt8] { replacement.withLock { $0.named } ?? Fixtures.namedJSON }
}

/// Why a fixtures directory cannot be used.
public struct FixtureError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// `serve --fixtures DIR`: the report's figures (`figures.json`) and named records (`named.json`)
/// from a directory instead of the copies compiled in — to correct a figure or a name without a
/// rebuild. Either file may be absent (the embedded one is used). Call before anything reads the
/// figures or builds the seed.
public enum FixtureSource {
    /// Uses the fixture files in `directory`; returns the names of the files it took.
    @discardableResult
    public static func use(directory: String) throws(FixtureError) -> [String] {
        let figures = try read(directory + "/figures.json")
        let named = try read(directory + "/named.json")
        guard figures != nil || named != nil else {
            throw FixtureError(description: "\(directory) holds neither figures.json nor named.json.")
        }
        if let figures { try checkFigures(figures, path: directory + "/figures.json") }
        if let named {
            guard case .object? = try? JSONParser.parse(named) else {
                throw FixtureError(
                    description: "\(directory)/named.json is not a JSON object like Fixtures/named.json.")
            }
        }
        FixtureData.replacement.withLock { $0 = (figures, named) }
        return (figures == nil ? [] : ["figures.json"]) + (named == nil ? [] : ["named.json"])
    }

    /// The figures must parse, carry every member a figure has, and name exactly the keys the
    /// embedded file names: `/stats`, its schema and the aggregates are built from those keys.
    static func checkFigures(_ bytes: [UInt8], path: String) throws(FixtureError) {
        let keys = try Figure.decode(bytes, path: path).map(\.key)
        let expected = ((try? Figure.decode(Fixtures.figuresJSON, path: "figures.json")) ?? []).map(\.key)
        guard keys == expected else {
            throw FixtureError(
                description: "\(path) must list the same figure keys, in the same order, as the built-in file "
                    + "(\(expected.count) keys from \(expected.first ?? "") to \(expected.last ?? "")).")
        }
    }

    static func read(_ path: String) throws(FixtureError) -> [UInt8]? {
        guard let handle = fopen(path, "rb") else {
            if errno == ENOENT { return nil }
            throw FixtureError(description: "Cannot open \(path): \(String(cString: strerror(errno))).")
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}
