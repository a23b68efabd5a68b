// libFuzzer target for the query strings of the list routes: `QueryParameters` (percent
// decoding, repeats, unknown names) and `ListQuery` (limits, sorts, filters and their operators,
// cursors), run as the server runs them, against the seed store.
//
// The first input byte picks a list route (each resource's `GET /{resource}`, then the nested
// reads such as `GET /towns/{id}/villages`) and, in its top bit, whether the request asks for CSV
// on `Accept`; the rest is the query string. It is put in a request line and read by
// `RequestParser`, so the target sees only queries a client can actually send (an input the
// parser refuses ends there), then answered by the full responder from `makeResponder`.
//
// The answer must be a 200 or a 400, nothing else:
//   - a 400 is problem+json with `status` 400 and a `detail`;
//   - a 200 in JSON has `data` (an array of at most 500 objects), `next` (null or a string) and
//     an integer `total`; when `next` is a string and the query did not already carry a cursor,
//     asking for the same query with that cursor must answer 200 too (a cursor the server just
//     issued is one it accepts);
//   - a 200 in CSV (asked for on `Accept` or with `format=csv`) streams its first pieces without waiting (the rest is cancelled, to keep each
//     execution short).
//
// Any violation calls `fatalError`, which libFuzzer records as a crash; so does a trap anywhere
// in the API, the store or the parser, and ASan reports memory errors.

import FuzzSupport
import GridworkAPI
import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging

let store = SeedGenerator.makeStore()
let responder: any Responder = makeResponder(
    store: store, logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))

/// Every list route, nested reads with a parent that exists.
let paths: [String] = {
    func first(_ kind: ResourceKind) -> String { store.all(kind).first!.id }
    let nested: [(ResourceKind, ResourceKind)] = [
        (.towns, .villages), (.villages, .grids), (.villages, .projects),
        (.grids, .cadres), (.grids, .assistanceRecords), (.cadres, .assistanceRecords),
    ]
    return ResourceKind.allCases.map { "/\($0.rawValue)" }
        + nested.map { parent, child in "/\(parent.rawValue)/\(first(parent))/\(child.rawValue)" }
}()

/// The request a client sends for `path?query`, as the parser hands it over; nil when the
/// parser refuses it.
func makeRequest(path: String, query: [UInt8], csv: Bool) -> Request? {
    var bytes = Array("GET \(path)?".utf8) + query + Array(" HTTP/1.1\r\nHost: fuzz\r\n".utf8)
    if csv { bytes += Array("Accept: text/csv\r\n".utf8) }
    bytes += [0x0D, 0x0A]
    var parser = RequestParser()
    parser.feed(bytes)
    guard case .request(let request)? = try? parser.next() else { return nil }
    return request
}

func check(_ input: [UInt8]) {
    guard let selector = input.first else { return }
    let path = paths[Int(selector & 0x7F) % paths.count]
    let csv = selector & 0x80 != 0
    let query = Array(input.dropFirst())
    guard let request = makeRequest(path: path, query: query, csv: csv) else { return }
    let response = responder.respond(to: request)
    let what = "GET \(path)?\(escape(query[...]))\(csv ? " (Accept: text/csv)" : "")"

    switch response.status {
    case .badRequest:
        checkProblem(response, what)
    case .ok where response.headerFields[.contentType]?.hasPrefix("text/csv") == true:
        drainCSV(response, what)
    case .ok:
        guard let next = checkPage(response, what), !hasCursor(query) else { return }
        let follow = query + Array("&cursor=\(next)".utf8)
        guard let second = makeRequest(path: path, query: follow, csv: false) else {
            fatalError("QUERY the parser refuses the cursor the server issued: \(next)\n\(what)")
        }
        let answer = responder.respond(to: second)
        if answer.status != .ok {
            fatalError(
                "QUERY following `next` answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))\n"
                    + "\(what)&cursor=\(next)")
        }
        _ = checkPage(answer, what + "&cursor=\(next)")
    default:
        fatalError("QUERY answered \(response.status) (expected 200 or 400): \(summary(response))\n\(what)")
    }
}

/// A 400 must say why, in problem+json.
func checkProblem(_ response: Response, _ what: String) {
    guard response.headerFields[.contentType]?.hasPrefix("application/problem+json") == true,
        let body = try? JSONParser.parse(response.body), case .int(400)? = body["status"],
        case .string(let detail)? = body["detail"], !detail.isEmpty
    else {
        fatalError("QUERY a 400 that is not problem+json with a detail: \(summary(response))\n\(what)")
    }
}

/// Checks a JSON page and returns its `next` cursor.
func checkPage(_ response: Response, _ what: String) -> String? {
    guard let body = try? JSONParser.parse(response.body), case .array(let data)? = body["data"],
        data.count <= 500, data.allSatisfy({ if case .object = $0 { true } else { false } }),
        case .int(let total)? = body["total"], total >= data.count
    else {
        fatalError("QUERY a 200 that is not a page: \(summary(response))\n\(what)")
    }
    switch body["next"] {
    case .null?: return nil
    case .string(let next)?: return next
    default: fatalError("QUERY a page whose `next` is neither null nor a string: \(summary(response))\n\(what)")
    }
}

/// The first pieces of a CSV export; a list export never waits.
func drainCSV(_ response: Response, _ what: String) {
    guard let stream = response.stream else {
        fatalError("QUERY a CSV answer without a stream: \(summary(response))\n\(what)")
    }
    defer { stream.cancel() }
    for _ in 0..<2 {
        switch stream.next(wake: StreamWaker {}) {
        case .bytes: continue
        case .end: return
        case .wait: fatalError("QUERY a CSV export waited\n\(what)")
        }
    }
}

/// Whether the query already names `cursor` (percent-encoded or not), so that appending one
/// would be a repeated parameter.
func hasCursor(_ query: [UInt8]) -> Bool {
    query.split(separator: UInt8(ascii: "&")).contains { part in
        let name = part.prefix { $0 != UInt8(ascii: "=") }
        return percentDecoded(name) == Array("cursor".utf8)
    }
}

/// `%XX` decoded, `+` as a space; a malformed escape is kept as it is (the server refuses it anyway).
func percentDecoded(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
    func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
    var out: [UInt8] = []
    var index = bytes.startIndex
    while index < bytes.endIndex {
        let byte = bytes[index]
        if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex, let high = hex(bytes[index + 1]),
            let low = hex(bytes[index + 2])
        {
            out.append(high << 4 | low)
            index += 3
            continue
        }
        out.append(byte == UInt8(ascii: "+") ? 0x20 : byte)
        index += 1
    }
    return out
}

func summary(_ response: Response) -> String {
    "\(response.status) \(response.headerFields) \(escape(response.body[...]))"
}

// MARK: Entry points

/// The process entry point SwiftPM links in (`--defsym main=QueryFuzzer_main`): hands over to libFuzzer.
@_cdecl("QueryFuzzer_main")
public func queryFuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Build the store and the routes before the first input, so that they are not timed.
    _ = paths
    return runLibFuzzer(argc, argv) { data, size in fuzz(data, size) }
}

/// One input, called by libFuzzer; a violation traps, and libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    check(inputBytes(data, size))
    return 0
}
