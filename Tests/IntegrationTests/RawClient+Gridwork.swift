import GridworkStore
import JSON
import TestSupport

// Requests to a running `gridwork`, over a raw keep-alive connection, with the checks the
// durability tests share.

/// A record a test created: the name it sent and the id the 201 gave back.
struct Created: Sendable, Hashable {
    let name: String
    let id: String
}

/// What a test creates: records of one collection, each carrying a name it is told apart by.
struct Creation: Sendable {
    let collection: String
    /// The member that holds the name.
    let nameField: String
    /// The JSON body of a record named `name` (plain ASCII).
    let body: @Sendable (_ name: String) -> String

    /// Towns, named by `name`.
    static let town = Creation(collection: "towns", nameField: "name") { #"{"name":"\#($0)","kind":"town"}"# }

    /// Visits (assistance records of type `visit`, in a seeded grid by a seeded cadre), named by
    /// `summary`. Each moves `/stats` `gridService.visits` by one without growing the body, as a
    /// town's `byTown` entry does.
    static let visit = Creation(collection: "assistance-records", nameField: "summary") {
        #"{"type":"visit","date":"2014-06-01","cadreId":"cadre-0001","gridId":"grid-0001","summary":"\#($0)"}"#
    }

    /// The whole `POST` creating a record named `name`.
    func request(_ name: String) -> String {
        let body = body(name)
        return "POST /\(collection) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// The record a 201 answer to creating `name` describes, or why it is not one.
    func created(_ response: RawResponse, name: String) throws(CheckFailure) -> Created {
        guard response.status == 201 else {
            throw CheckFailure("POST /\(collection) \(name) answered \(response.status): \(response.text.prefix(300))")
        }
        let record = try? JSONParser.parse(response.body)
        guard let location = response.value("Location"), case .string(let id)? = record?["id"],
            location == "/\(collection)/\(id)", case .string(name)? = record?[nameField]
        else {
            throw CheckFailure(
                "POST /\(collection) \(name): a 201 without a matching Location, id and \(nameField): \(response.text)")
        }
        return Created(name: name, id: id)
    }
}

extension RawClient {
    func get(_ target: String) throws(RawClientError) -> RawResponse {
        try roundTrip("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    }

    /// `METHOD target` with `fields` and, when given, a JSON `body`: the answer, whatever its status.
    func exchange(
        _ method: String, _ target: String, fields: [(name: String, value: String)] = [], json body: String? = nil
    ) throws(CheckFailure) -> RawResponse {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for field in fields { head += "\(field.name): \(field.value)\r\n" }
        if let body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        } else if method != "GET" {
            head += "Content-Length: 0\r\n"
        }
        do {
            return try roundTrip(head + "\r\n" + (body ?? ""))
        } catch {
            throw CheckFailure("\(method) \(target): \(error)")
        }
    }

    /// Creates a record named `name`; throws unless the answer is a well-formed 201.
    func create(_ creation: Creation, _ name: String) throws(CheckFailure) -> Created {
        let response: RawResponse
        do {
            response = try roundTrip(creation.request(name))
        } catch {
            throw CheckFailure("POST /\(creation.collection) \(name): \(error)")
        }
        return try creation.created(response, name: name)
    }

    /// Creates a town named `name`; throws unless the answer is a well-formed 201.
    func createTown(_ name: String) throws(CheckFailure) -> Created {
        try create(.town, name)
    }

    /// The parsed body of a 200 answer to `GET target`.
    func getJSON(_ target: String) throws(CheckFailure) -> JSONValue {
        do {
            let response = try get(target)
            guard response.status == 200 else { throw CheckFailure("GET \(target) answered \(response.status)") }
            return try JSONParser.parse(response.body)
        } catch let error as CheckFailure {
            throw error
        } catch {
            throw CheckFailure("GET \(target): \(error)")
        }
    }

    /// Every record of `collection` that `GET /collection?q=FRAGMENT` finds, walked page by page.
    func search(_ collection: String, for fragment: String) throws(CheckFailure) -> [JSONValue] {
        var records: [JSONValue] = []
        var target = "/\(collection)?q=\(fragment)&limit=500"
        for _ in 0..<1000 {
            let page = try getJSON(target)
            guard case .array(let data)? = page["data"] else { throw CheckFailure("GET \(target): no data array") }
            records += data
            guard case .string(let next)? = page["next"] else { return records }
            target = "/\(collection)?q=\(fragment)&limit=500&cursor=\(next)"
        }
        throw CheckFailure("GET /\(collection)?q=\(fragment): no end after 1000 pages")
    }

    /// Every record of `creation` whose name contains `fragment`: name → id.
    func created(_ creation: Creation, named fragment: String) throws(CheckFailure) -> [String: String] {
        var found: [String: String] = [:]
        for record in try search(creation.collection, for: fragment) {
            guard case .string(let id)? = record["id"], case .string(let name)? = record[creation.nameField] else {
                throw CheckFailure(
                    "a listed record of /\(creation.collection) lacks id or \(creation.nameField): \(record)")
            }
            if let earlier = found[name] {
                throw CheckFailure("two records are named \(name): \(earlier) and \(id) (a write applied twice?)")
            }
            found[name] = id
        }
        return found
    }

    /// Every town whose name contains `fragment`: name → (id, kind).
    func towns(named fragment: String) throws(CheckFailure) -> [String: (id: String, kind: String)] {
        var towns: [String: (id: String, kind: String)] = [:]
        for record in try search("towns", for: fragment) {
            guard case .string(let id)? = record["id"], case .string(let name)? = record["name"],
                case .string(let kind)? = record["kind"]
            else { throw CheckFailure("a listed town lacks id, name or kind: \(record)") }
            if let earlier = towns[name] {
                throw CheckFailure("two towns are named \(name): \(earlier.id) and \(id) (a write applied twice?)")
            }
            towns[name] = (id, kind)
        }
        return towns
    }

    /// `revision` from `GET /stats`.
    func storeRevision() throws(CheckFailure) -> Int {
        guard case .int(let revision)? = try getJSON("/stats")["revision"] else {
            throw CheckFailure("GET /stats has no integer revision")
        }
        return revision
    }

    /// Checks that `GET /towns/{id}` answers 200 with the name and kind that were sent.
    func expectTown(_ town: Created) throws(CheckFailure) {
        let record = try getJSON("/towns/\(town.id)")
        guard case .string(town.name)? = record["name"], case .string("town")? = record["kind"] else {
            throw CheckFailure("GET /towns/\(town.id) should be \(town.name), got \(record)")
        }
    }
}
