import GridworkFixtures

/// The embedded fixture files.
enum FixtureData {
    static var figures: [UInt8] { Fixtures.figuresJSON }
    static var named: [UInt8] { Fixtures.namedJSON }
}
