import Glibc
import Testing

@testable import GridworkStore

/// RFC 3339 timestamps, formatted once per second.
struct TimestampTests {
    @Test(arguments: [
        (0, "1970-01-01T00:00:00Z"), (1_407_283_200, "2014-08-06T00:00:00Z"),
        (1_798_761_599, "2026-12-31T23:59:59Z"), (951_782_400, "2000-02-29T00:00:00Z"),
    ])
    func formats_secondsInUTC(_ seconds: Int, _ text: String) {
        #expect(Timestamp.format(seconds) == text)
    }

    @Test func now_isTheCurrentSecond() {
        let before = Int(time(nil))
        let now = Timestamp.now()
        let after = Int(time(nil))
        #expect((before...after).map(Timestamp.format).contains(now))
    }
}
