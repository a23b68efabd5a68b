// libFuzzer target for `HTTP1.RequestParser`.
//
// Every input is parsed four ways, each with a fresh parser and the same small limits:
//
//   1. whole:        feed(all bytes), then drain `next()` until `.needMoreData` or an error;
//   2. split:        two feeds, cut at a position taken from the first two input bytes
//                    (the first through the `UnsafeRawBufferPointer` overload, the second
//                    through the `Sequence` overload), draining after each;
//   3. byte-by-byte: one feed and one drain per byte;
//   4. chunks:       feeds of 1...32 bytes, sizes from a PRNG seeded with a hash of the input.
//
// How the bytes are cut must not change what comes out, so the four traces must agree on the
// requests (method, target, path, query, version, keep-alive, fields, body) and on how the input
// ends: an error with the same status, or `.needMoreData` with the same number of unconsumed
// bytes and the same phase. `.continueExpected` is the one event that legitimately depends on
// the cut (it is only produced while body bytes are missing), so it is checked separately.
//
// Invariants checked on every event:
//   - no body is longer than `limits.maxBodyBytes`;
//   - a request without Content-Length / Transfer-Encoding has no body; one with Content-Length
//     has exactly that many body bytes;
//   - after an error, `next()` throws the same error again; after `.needMoreData`, `next()`
//     answers `.needMoreData` again;
//   - `.continueExpected` comes at most once per request, in the body phase, and only for an
//     HTTP/1.1 request carrying `Expect: 100-continue`;
//   - a parsed request, written back out in canonical form (origin-form target, `name: value`
//     fields, Content-Length framing), parses to the same request.
//
// Any violation calls `fatalError` with a description, which libFuzzer records as a crash.
// A trap inside the parser (index out of range, overflow, bad range) is a crash too.

import FuzzSupport
import HTTP1
import HTTPTypes

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small limits, so the limit paths are reachable by inputs of a few kilobytes.
let fuzzLimits: MessageLimits = {
    var limits = MessageLimits()
    limits.maxBodyBytes = 4096
    limits.maxHeaderBytes = 2048
    limits.maxRequestLineBytes = 1024
    limits.maxHeaderCount = 32
    return limits
}()

/// `FUZZ_ALLOW_STATUS_DIVERGENCE=1` tolerates the mildest kind of divergence, where every way of
/// cutting the input ends in an error but the statuses differ (say, a limit check that fires
/// before a bare LF is reached when bytes arrive piecemeal: 414 instead of 400). Off by default,
/// when it is reported like any other divergence; on, a long run can look past it.
let allowStatusDivergence: Bool = getenv("FUZZ_ALLOW_STATUS_DIVERGENCE").map { String(cString: $0) == "1" } ?? false

/// Roomier limits for re-parsing a canonical re-serialization (`name: value` may be longer
/// than the `name:value` the client sent, and a Content-Length field may be added).
let roundTripLimits: MessageLimits = {
    var limits = fuzzLimits
    limits.maxHeaderBytes = 1 << 20
    limits.maxRequestLineBytes = 1 << 20
    limits.maxHeaderCount = fuzzLimits.maxHeaderCount + 2
    return limits
}()

// MARK: Traces

struct FieldSummary: Equatable, CustomStringConvertible {
    var name: String
    var value: [UInt8]
    var description: String { "\(name): \(escape(value[...]))" }
}

struct RequestSummary: Equatable, CustomStringConvertible {
    var method: String
    var target: String?
    var scheme: String?
    var authority: String?
    var path: String
    var query: String?
    var version: String
    var keepAlive: Bool
    var fields: [FieldSummary]
    var body: [UInt8]

    init(_ request: Request) {
        method = request.method.rawValue
        target = request.head.path
        scheme = request.head.scheme
        authority = request.head.authority
        path = request.path
        query = request.query
        version = request.version.description
        keepAlive = request.keepAlive
        fields = request.headerFields.map { field in
            FieldSummary(name: field.name.rawName, value: field.withUnsafeBytesOfValue { Array($0) })
        }
        body = request.body
    }

    var description: String {
        "\(method) \(target ?? "nil") \(version) scheme=\(scheme ?? "nil") authority=\(authority ?? "nil") "
            + "path=\(path) query=\(query ?? "nil") keepAlive=\(keepAlive) fields=\(fields) "
            + "body(\(body.count))=\(escape(body.prefix(64)))"
    }
}

enum Ending: Equatable, CustomStringConvertible {
    /// All bytes fed, the last event was `.needMoreData`.
    case needMoreData(buffered: Int, phase: RequestParser.Phase)
    /// `next()` threw. Only the status is compared; the detail is kept for the report.
    case error(status: Int, detail: String)

    static func == (lhs: Ending, rhs: Ending) -> Bool {
        switch (lhs, rhs) {
        case let (.needMoreData(b1, p1), .needMoreData(b2, p2)): return b1 == b2 && p1 == p2
        case let (.error(s1, _), .error(s2, _)): return s1 == s2
        default: return false
        }
    }

    var description: String {
        switch self {
        case let .needMoreData(buffered, phase): return "needMoreData(buffered: \(buffered), phase: \(phase))"
        case let .error(status, detail): return "error(\(status) \(detail))"
        }
    }
}

struct Trace: CustomStringConvertible {
    var name: String
    var requests: [RequestSummary] = []
    var ending: Ending = .needMoreData(buffered: 0, phase: .idle)
    var continues = 0

    var description: String {
        var text = "[\(name)] \(requests.count) request(s), \(continues) continue(s), ending \(ending)"
        for (index, request) in requests.enumerated() { text += "\n    #\(index): \(request)" }
        return text
    }
}

// MARK: Driving the parser

/// Runs one input through one parser, however the caller cuts it.
struct Driver {
    var parser = RequestParser(limits: fuzzLimits)
    var trace: Trace
    var failed = false
    /// A `.continueExpected` was seen and its request has not completed yet.
    var continueOutstanding = false
    var events = 0
    let input: [UInt8]

    init(name: String, input: [UInt8]) {
        trace = Trace(name: name)
        self.input = input
    }

    func fail(_ message: String) -> Never {
        fatalError("INVARIANT [\(trace.name)]: \(message)\ninput(\(input.count)): \(escape(input[...]))\n\(trace)")
    }

    /// Calls `next()` until `.needMoreData` or an error. Returns false once the parser failed.
    mutating func drain() -> Bool {
        if failed { return false }
        while true {
            events += 1
            if events > 2 * input.count + 8 { fail("more events than the input can hold") }
            let event: RequestParser.Event
            do {
                event = try parser.next()
            } catch {
                trace.ending = .error(status: error.status.code, detail: error.detail)
                failed = true
                // An error is final: every later call throws it again.
                do {
                    let again = try parser.next()
                    fail("next() after an error answered \(again) instead of throwing \(error)")
                } catch let again {
                    if again != error { fail("next() after \(error) threw a different error: \(again)") }
                }
                return false
            }
            switch event {
            case .needMoreData:
                trace.ending = .needMoreData(buffered: parser.bufferedByteCount, phase: parser.phase)
                do {
                    let again = try parser.next()
                    guard case .needMoreData = again else {
                        fail("next() right after .needMoreData answered \(again)")
                    }
                } catch {
                    fail("next() right after .needMoreData threw \(error)")
                }
                return true
            case .continueExpected:
                trace.continues += 1
                if continueOutstanding { fail("two .continueExpected for one request") }
                continueOutstanding = true
                if parser.phase != .body { fail(".continueExpected outside the body phase (\(parser.phase))") }
            case .request(let request):
                check(request)
                trace.requests.append(RequestSummary(request))
            }
        }
    }

    mutating func check(_ request: Request) {
        let summary = RequestSummary(request)
        if request.body.count > fuzzLimits.maxBodyBytes {
            fail("body of \(request.body.count) bytes exceeds maxBodyBytes \(fuzzLimits.maxBodyBytes)")
        }
        if request.version != .http1_0 && request.version != .http1_1 {
            fail("request with version \(request.version)")
        }
        // By bytes: `hasPrefix` compares grapheme clusters, and "/" followed by a combining mark
        // is one cluster that does not begin with "/".
        if request.path.utf8.first != UInt8(ascii: "/") && request.path != "*" {
            fail("request path \(request.path) is neither absolute nor *")
        }
        let contentLength = request.headerFields[.contentLength]
        let transferEncoding = request.headerFields[.transferEncoding]
        if contentLength == nil && transferEncoding == nil && !request.body.isEmpty {
            fail("a request without framing fields has a body: \(summary)")
        }
        if let contentLength, transferEncoding == nil {
            let first = contentLength.split(separator: ",").first.map {
                $0.trimmingSpacesAndTabs()
            }
            if let first, let length = Int(first), length != request.body.count {
                fail("Content-Length \(contentLength) but a body of \(request.body.count) bytes: \(summary)")
            }
        }
        if continueOutstanding {
            continueOutstanding = false
            let expectations = request.headerFields[values: .expect].flatMap { $0.split(separator: ",") }
            let asked =
                !expectations.isEmpty
                && expectations.allSatisfy { $0.trimmingSpacesAndTabs().lowercased() == "100-continue" }
            if !asked || request.version != .http1_1 {
                fail(".continueExpected for a request that did not ask for it: \(summary)")
            }
        }
        roundTrip(request, summary: summary)
    }

    /// Writes `request` back out canonically and parses it again: it must come back unchanged.
    func roundTrip(_ request: Request, summary: RequestSummary) {
        guard let target = request.head.path else { fail("request without a target: \(summary)") }
        var bytes: [UInt8] = []
        bytes += request.method.rawValue.utf8
        bytes += [0x20]
        bytes += target.utf8
        bytes += " \(request.version)\r\n".utf8
        for field in request.headerFields where field.name != .contentLength && field.name != .transferEncoding {
            bytes += field.name.rawName.utf8
            bytes += ": ".utf8
            field.withUnsafeBytesOfValue { bytes += $0 }
            bytes += "\r\n".utf8
        }
        if !request.body.isEmpty { bytes += "Content-Length: \(request.body.count)\r\n".utf8 }
        bytes += "\r\n".utf8
        bytes += request.body

        var parser = RequestParser(limits: roundTripLimits)
        parser.feed(bytes)
        let again: Request
        do {
            guard case .request(let request) = try parser.next() else {
                fail("round trip: the re-serialized request is incomplete\n  \(escape(bytes[...]))")
            }
            again = request
        } catch {
            fail("round trip: the re-serialized request fails with \(error)\n  \(escape(bytes[...]))\n  \(summary)")
        }
        var expected = summary
        var actual = RequestSummary(again)
        // The absolute-form authority/scheme are not re-serialized, nor are the framing fields.
        expected.scheme = nil
        actual.scheme = nil
        expected.authority = nil
        actual.authority = nil
        let framing: Set<String> = ["content-length", "transfer-encoding"]
        expected.fields.removeAll { framing.contains($0.name.lowercased()) }
        actual.fields.removeAll { framing.contains($0.name.lowercased()) }
        if expected != actual {
            fail("round trip changed the request\n  before: \(expected)\n  after:  \(actual)\n  \(escape(bytes[...]))")
        }
    }
}

/// Cuts the input three ways and compares with the whole-input trace.
func runAll(_ input: [UInt8]) {
    // 1. Whole input.
    var whole = Driver(name: "whole", input: input)
    whole.parser.feed(input)
    _ = whole.drain()

    // 2. Two pieces, cut where the first two bytes say.
    var split = Driver(name: "split", input: input)
    let cut: Int
    if input.isEmpty {
        cut = 0
    } else {
        let selector = Int(input[0]) | (input.count > 1 ? Int(input[1]) << 8 : 0)
        cut = selector % (input.count + 1)
    }
    split.trace.name = "split@\(cut)"
    input.withUnsafeBytes { raw in
        split.parser.feed(UnsafeRawBufferPointer(rebasing: raw[0..<cut]))
    }
    if split.drain() {
        split.parser.feed(input[cut...])
        _ = split.drain()
    }

    // 3. One byte at a time.
    var single = Driver(name: "byte-by-byte", input: input)
    for byte in input {
        single.parser.feed(CollectionOfOne(byte))
        if !single.drain() { break }
    }
    if input.isEmpty { _ = single.drain() }

    // 4. Pseudo-random pieces of 1...32 bytes.
    var chunks = Driver(name: "chunks", input: input)
    var rng = SplitMix64(seed: fnv1a(input))
    var offset = 0
    repeat {
        let size = min(input.count - offset, Int(rng.next() % 32) + 1)
        chunks.parser.feed(input[offset..<offset + size])
        offset += size
        if !chunks.drain() { break }
    } while offset < input.count

    for other in [split, single, chunks] {
        compare(whole, other, input: input)
    }
}

func compare(_ expected: Driver, _ actual: Driver, input: [UInt8]) {
    let a = expected.trace
    let b = actual.trace
    // The first word after DIVERGENCE names the kind, for triage:
    //   requests: the requests themselves differ (count, method, target, fields, body);
    //   outcome:  one way ends in an error, the other does not;
    //   status:   both end in an error, with different statuses;
    //   buffer:   both wait for more data, with different unconsumed byte counts or phases.
    var kind: String?
    var problems: [String] = []
    if a.requests.count != b.requests.count {
        problems.append("request count \(a.requests.count) vs \(b.requests.count)")
        kind = "requests"
    }
    for (index, (x, y)) in zip(a.requests, b.requests).enumerated() where x != y {
        problems.append("request #\(index) differs")
        kind = "requests"
    }
    if a.ending != b.ending {
        problems.append("ending \(a.ending) vs \(b.ending)")
        switch (a.ending, b.ending) {
        case (.error, .error): kind = kind ?? "status"
        case (.needMoreData, .needMoreData): kind = kind ?? "buffer"
        default: kind = kind ?? "outcome"
        }
    }
    if kind == "status" && allowStatusDivergence { return }
    if let kind {
        fatalError(
            "DIVERGENCE \(kind) \(a.name) vs \(b.name): \(problems.joined(separator: "; "))\n"
                + "input(\(input.count)): \(escape(input[...]))\n\(a)\n\(b)"
        )
    }
}

// MARK: Helpers

func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
    }
    return hash
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

// MARK: Entry points

/// The process entry point SwiftPM links in (`--defsym main=ParserFuzzer_main`): hands over to libFuzzer.
@_cdecl("ParserFuzzer_main")
public func parserFuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv) { data, size in fuzz(data, size) }
}

/// One input, called by libFuzzer; a violation traps, and libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    runAll(inputBytes(data, size))
    return 0
}
