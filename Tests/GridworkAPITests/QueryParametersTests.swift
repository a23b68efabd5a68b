import HTTP1
import Testing

@testable import GridworkAPI

/// The query string, split on `&` and the first `=` of each part, each side percent-decoded.
struct QueryParametersTests {
    private static func pairs(_ query: String) throws -> [String] {
        try QueryParameters(Request.make("/x?" + query)).pairs.map { "\($0.name)=\($0.value)" }
    }

    @Test func splitsOnAmpersands_andTheFirstEqualsSign() throws {
        #expect(try Self.pairs("a=1&b=2") == ["a=1", "b=2"])
        #expect(try Self.pairs("a=b=c") == ["a=b=c"], "only the first `=` separates")
        #expect(try Self.pairs("&&a=1&&") == ["a=1"], "empty parts are skipped")
        #expect(try Self.pairs("flag&=x&y=") == ["flag=", "=x", "y="])
    }

    @Test func decodesEachSide_afterSplitting() throws {
        #expect(try Self.pairs("q=a%26b%3Dc&date%5Bgte%5D=2014-03-01") == ["q=a&b=c", "date[gte]=2014-03-01"])
        #expect(try Self.pairs("q=%E7%BD%91%E6%A0%BC+%E8%B5%B0%E8%AE%BF") == ["q=网格 走访"])
        #expect(try Self.pairs("q=网格&n=é") == ["q=网格", "n=é"], "raw UTF-8 passes through")
    }

    @Test func refusesBadEscapes() {
        #expect(throws: APIError.self) { try Self.pairs("a=%zz") }
        #expect(throws: APIError.self) { try Self.pairs("a%00=1") }
    }
}
