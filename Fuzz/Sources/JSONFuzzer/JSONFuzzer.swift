// libFuzzer target for `JSON.JSONParser` and `JSONWriter`, which read every request
// body and write every response and journal line.
//
// Every input is parsed as one JSON document. An input that does not parse must fail with an
// offset inside the input. One that parses must survive a round trip: written out by
// `JSONWriter` and parsed again, it must give the same value — compared strictly, strings by
// their UTF-8 bytes (Swift's `==` on strings is canonical equivalence, which would hide a
// writer that normalises) and doubles by their bit pattern (so -0.0 stays -0.0) — and writing
// that value again must give the same bytes. The same input parsed from inside a larger buffer
// (an `ArraySlice` that does not start at 0, as request bodies are) must give the same answer.
//
// Any violation calls `fatalError`, which libFuzzer records as a crash; so is a trap inside the
// parser or the writer (index out of range, overflow), and ASan reports memory errors.

import FuzzSupport
import JSON

/// The parser's default nesting limit, the one request bodies are parsed with.
let maxDepth = 64

func check(_ input: [UInt8]) {
    let parsed = Result { () throws(JSONParseError) in try JSONParser.parse(input, maxDepth: maxDepth) }

    // The same bytes at offset 3 of a larger array, through the slice overload.
    let padded = [0x7B, 0x5B, 0x22] + input
    let fromSlice = Result { () throws(JSONParseError) in try JSONParser.parse(padded[3...], maxDepth: maxDepth) }
    switch (parsed, fromSlice) {
    case (.success(let a), .success(let b)) where identical(a, b): break
    case (.failure(let a), .failure(let b)) where a == b: break
    default: fail("parsing from a slice differs: \(parsed) vs \(fromSlice)", input)
    }

    let value: JSONValue
    switch parsed {
    case .failure(let error):
        if error.offset < 0 || error.offset > input.count {
            fail("error offset \(error.offset) outside an input of \(input.count) bytes: \(error)", input)
        }
        return
    case .success(let parsedValue):
        value = parsedValue
    }

    var writer = JSONWriter()
    writer.value(value)
    let written = writer.bytes
    if String(validating: written, as: UTF8.self) == nil {
        fail("the writer produced invalid UTF-8: \(escape(written[...]))", input)
    }
    let again: JSONValue
    do {
        again = try JSONParser.parse(written, maxDepth: maxDepth)
    } catch {
        fail("the written value does not parse (\(error)): \(escape(written[...]))", input)
    }
    if !identical(value, again) {
        fail("the round trip changed the value\n  before: \(value)\n  after:  \(again)", input)
    }
    var rewriter = JSONWriter()
    rewriter.value(again)
    if rewriter.bytes != written {
        fail(
            "writing the value twice gave different bytes: \(escape(written[...])) vs \(escape(rewriter.bytes[...]))",
            input)
    }
}

/// Equal in every detail the wire can carry.
func identical(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.int(let a), .int(let b)): return a == b
    case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
    case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
    case (.array(let a), .array(let b)):
        return a.count == b.count && zip(a, b).allSatisfy { identical($0, $1) }
    case (.object(let a), .object(let b)):
        return a.count == b.count
            && zip(a, b).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && identical($0.value, $1.value) }
    default: return false
    }
}

func fail(_ message: String, _ input: [UInt8]) -> Never {
    fatalError("JSON \(message)\ninput(\(input.count)): \(escape(input[...]))")
}

// MARK: Entry points

/// The process entry point SwiftPM links in (`--defsym main=JSONFuzzer_main`): hands over to libFuzzer.
@_cdecl("JSONFuzzer_main")
public func jsonFuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv) { data, size in fuzz(data, size) }
}

/// One input, called by libFuzzer; a violation traps, and libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    check(inputBytes(data, size))
    return 0
}
