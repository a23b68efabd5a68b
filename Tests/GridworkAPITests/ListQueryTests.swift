import GridworkAPI
import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Testing

// The read side of the REST resources: list filters, search, sort, cursors, paging and the
// nested reads. Read-only, so every test uses `APIHarness.shared`; the store's own records are
// the oracle the answers are checked against.

/// One page of a list answer.
private struct Page {
    var response: Response
    var data: [JSONValue]
    var next: String?
    var total: Int

    var ids: [String] { data.compactMap { $0["id"]?.text } }
}

extension APIHarness {
    /// One page of `target`, which must answer 200.
    fileprivate func page(_ target: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Page {
        let response = get(target)
        #expect(response.status == .ok, "\(target)", sourceLocation: sourceLocation)
        let body = try JSONParser.parse(response.body)
        let data = try #require(body["data"]?.items, "\(target)", sourceLocation: sourceLocation)
        let total = try #require(body["total"]?.number, "\(target)", sourceLocation: sourceLocation)
        return Page(response: response, data: data, next: body["next"]?.text, total: total)
    }

    /// Every record of `target`, following `next` (with `limit=500`), and the `total` of each page.
    fileprivate func walk(_ target: String) throws -> (records: [JSONValue], totals: Set<Int>) {
        let base = target + (target.contains("?") ? "&" : "?") + "limit=500"
        var records: [JSONValue] = []
        var totals = Set<Int>()
        var current = try page(base)
        for _ in 0..<1_000 {
            records += current.data
            totals.insert(current.total)
            guard let next = current.next else { return (records, totals) }
            current = try page(base + "&cursor=" + next)
        }
        Issue.record("\(target) did not end within 1000 pages")
        return (records, totals)
    }

    /// The ids of `target`, every page, checking that every page reports the same total.
    fileprivate func allIDs(_ target: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let (records, totals) = try walk(target)
        let ids = records.compactMap { $0["id"]?.text }
        #expect(
            totals == [ids.count], "\(target): totals \(totals) for \(ids.count) records",
            sourceLocation: sourceLocation)
        return ids
    }

    /// The status and problem detail of `target`.
    fileprivate func problem(_ target: String) throws -> (status: HTTPResponse.Status, detail: String) {
        let response = get(target)
        let detail = try JSONParser.parse(response.body)["detail"]?.text ?? ""
        return (response.status, detail)
    }
}

/// Percent-encodes every byte outside the unreserved set (for Chinese query values).
private func percentEncoded(_ text: String) -> String {
    let hex = Array("0123456789ABCDEF")
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            out.append(Character(UnicodeScalar(byte)))
        default:
            out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
        }
    }
    return out
}

/// The ids of the store's records of `kind` that satisfy `predicate`, in id order.
private func expectedIDs(_ kind: ResourceKind, where predicate: (Record) -> Bool) -> [String] {
    APIHarness.shared.store.all(kind).filter(predicate).map(\.id)
}

struct ListFilterTests {
    let harness = APIHarness.shared

    @Test func list_filters_byEquality() throws {
        let page = try harness.page("/assistance-records?type=visit&limit=500")
        #expect(page.total == 13_300)
        #expect(page.data.count == 500)
        #expect(page.data.allSatisfy { $0["type"] == .string("visit") })
        let villages = try harness.allIDs("/villages?kind=residence")
        #expect(villages == expectedIDs(.villages) { $0[VillageField.kind] == .string("residence") })
        #expect(villages.contains("village-tuanzeju"))
    }

    @Test func list_filters_datesByRange() throws {
        let (records, _) = try harness.walk("/assistance-records?date%5Bgte%5D=2014-03-01&date%5Blt%5D=2014-04-01")
        let dates = records.compactMap { $0["date"]?.text }
        #expect(!dates.isEmpty)
        #expect(dates.count == records.count)
        #expect(dates.allSatisfy { $0 >= "2014-03-01" && $0 < "2014-04-01" }, "\(Set(dates).sorted())")
        #expect(Set(dates).contains("2014-03-03"))
        let expected = expectedIDs(.assistanceRecords) {
            let date = $0[AssistanceField.date].string ?? ""
            return date >= "2014-03-01" && date < "2014-04-01"
        }
        #expect(records.compactMap { $0["id"]?.text } == expected)
        // Unencoded brackets mean the same.
        #expect(
            try harness.page("/assistance-records?date[gte]=2014-03-01&date[lt]=2014-04-01").total == expected.count)
    }

    @Test func list_filters_numbersByRange_combinedWithEquality() throws {
        let (records, _) = try harness.walk("/assistance-records?amountYuan[gte]=10000&type=funding")
        #expect(!records.isEmpty)
        #expect(records.allSatisfy { ($0["amountYuan"]?.number ?? 0) >= 10_000 && $0["type"] == .string("funding") })
        let expected = expectedIDs(.assistanceRecords) {
            $0[AssistanceField.type] == .string("funding") && $0[AssistanceField.amountYuan].int >= 10_000
        }
        #expect(records.compactMap { $0["id"]?.text } == expected)
        let below = try harness.page("/assistance-records?amountYuan[lt]=10000&type=funding").total
        #expect(below + expected.count == 360)
    }

    @Test func list_filters_withNotEqual() throws {
        let page = try harness.page("/assistance-records?type[ne]=visit&limit=500")
        let all = harness.store.count(.assistanceRecords)
        #expect(page.total == all - 13_300)
        #expect(page.data.allSatisfy { $0["type"] != .string("visit") })
        let grids = try harness.allIDs("/grids?level[ne]=unit")
        #expect(grids == expectedIDs(.grids) { $0[GridField.level] != .string("unit") })
        #expect(grids.count == 9)
    }

    @Test func list_filters_withIn() throws {
        let (records, _) = try harness.walk("/assistance-records?type[in]=funding,branch_pairing")
        #expect(records.count == 360 + 53)
        #expect(records.allSatisfy { ["funding", "branch_pairing"].contains($0["type"]?.text ?? "") })
        let towns = try harness.allIDs("/towns?id[in]=town-sidu,town-gaoping,town-nowhere")
        #expect(towns == ["town-gaoping", "town-sidu"])
    }

    @Test func list_filters_assistanceRecords_byDerivedTown() throws {
        let store = harness.store
        let ids = try harness.allIDs("/assistance-records?townId=town-gaoping")
        #expect(!ids.isEmpty)
        for id in ids {
            let grid = store.record(.assistanceRecords, id: id)?[AssistanceField.gridId].string ?? ""
            #expect(store.record(.grids, id: grid)?[GridField.townId] == .string("town-gaoping"), "\(id) in \(grid)")
        }
        let expected = expectedIDs(.assistanceRecords) {
            store.record(.grids, id: $0[AssistanceField.gridId].string ?? "")?[GridField.townId]
                == .string("town-gaoping")
        }
        #expect(ids == expected)
        // Combined with another filter, the derived town still holds.
        let visits = try harness.page("/assistance-records?townId=town-gaoping&type=visit")
        #expect(
            visits.total
                == expected.filter {
                    store.record(.assistanceRecords, id: $0)?[AssistanceField.type] == .string("visit")
                }.count)
    }

    @Test func list_filters_projects_byDerivedTown() throws {
        let store = harness.store
        let ids = try harness.allIDs("/projects?townId=town-gaoping")
        let expected = expectedIDs(.projects) {
            store.record(.villages, id: $0[ProjectField.villageId].string ?? "")?[VillageField.townId]
                == .string("town-gaoping")
        }
        #expect(ids == expected)
        #expect(ids.contains("project-liu-bashan"))
        #expect(!ids.contains("project-zhou-orchard"))
    }

    @Test(arguments: [ResourceKind.villages, .grids, .trainings])
    func list_filters_byTheResourcesOwnTownIdField(_ kind: ResourceKind) throws {
        let position = try #require(kind.schema.index(of: "townId"))
        let town = kind == .trainings ? "town-gaoping" : "town-sidu"
        let named = expectedIDs(kind) { $0.values[position] == .string(town) }
        #expect(!named.isEmpty)
        #expect(try harness.allIDs("/\(kind.rawValue)?townId=\(town)") == named)
        let others = expectedIDs(kind) { $0.values[position] != .string(town) }
        #expect(try harness.allIDs("/\(kind.rawValue)?townId[ne]=\(town)") == others)
        let either = expectedIDs(kind) { [.string(town), .string("town-donggongsi")].contains($0.values[position]) }
        #expect(try harness.allIDs("/\(kind.rawValue)?townId[in]=\(town),town-donggongsi") == either)
    }

    @Test func list_searches_chineseSubstrings() throws {
        let query = "q=" + percentEncoded("交通村")
        #expect(try harness.allIDs("/villages?\(query)") == ["village-jiaotong"])
        let projects = try harness.walk("/projects?\(query)").records
        let searchable = ResourceKind.projects.schema.fields.filter(\.searchable).map(\.name)
        #expect(searchable.contains("name") && searchable.contains("description"))
        for project in projects {
            #expect(searchable.contains { project[$0]?.text?.contains("交通村") == true }, "\(project)")
        }
        let expected = expectedIDs(.projects) { record in
            record.values.enumerated().contains { position, value in
                ResourceKind.projects.schema.fields[position].searchable && value.string?.contains("交通村") == true
            }
        }
        #expect(projects.compactMap { $0["id"]?.text } == expected)
        #expect(expected.contains("project-zhou-orchard"))
        // Unencoded UTF-8 in the target is decoded the same way.
        #expect(try harness.page("/villages?q=交通村").ids == ["village-jiaotong"])
    }
}

struct ListSortTests {
    let harness = APIHarness.shared

    @Test func list_sorts_byDateDescending_thenID_acrossTwoPages() throws {
        let first = try harness.page("/assistance-records?sort=-date,id&limit=500")
        let next = try #require(first.next)
        let second = try harness.page("/assistance-records?sort=-date,id&limit=500&cursor=\(next)")
        let ids = first.ids + second.ids
        let expected = harness.store.all(.assistanceRecords)
            .sorted { a, b in
                let (dateA, dateB) = (a[AssistanceField.date].string ?? "", b[AssistanceField.date].string ?? "")
                return dateA != dateB ? dateA > dateB : a.id < b.id
            }
            .prefix(1_000).map(\.id)
        #expect(ids.count == 1_000)
        #expect(ids == Array(expected))
        #expect(first.total == harness.store.count(.assistanceRecords) && second.total == first.total)
    }

    @Test func list_sorts_projects_byInvestmentDescending() throws {
        let (records, _) = try harness.walk("/projects?sort=-investmentYuan")
        let expected = harness.store.all(.projects)
            .sorted { a, b in
                let (x, y) = (a[ProjectField.investmentYuan].int, b[ProjectField.investmentYuan].int)
                return x != y ? x > y : a.id < b.id
            }
            .map(\.id)
        #expect(records.compactMap { $0["id"]?.text } == expected)
        let amounts = records.compactMap { $0["investmentYuan"]?.number }
        #expect(amounts.count == records.count)
        #expect(zip(amounts, amounts.dropFirst()).allSatisfy { $0 >= $1 })
        // Small pages cross the ties between equal investments the same way.
        var small: [String] = []
        var target = "/projects?sort=-investmentYuan&limit=7"
        while true {
            let page = try harness.page(target)
            small += page.ids
            guard let next = page.next else { break }
            target = "/projects?sort=-investmentYuan&limit=7&cursor=\(next)"
        }
        #expect(small == expected)
    }

    @Test func list_answers400_forACursorFromAnotherSort() throws {
        let next = try #require(try harness.page("/assistance-records?sort=-date&limit=10").next)
        for other in ["sort=date", "sort=-date,id", "sort=-amountYuan", ""] {
            let target = "/assistance-records?\(other)&limit=10&cursor=\(next)"
            #expect(harness.get(target).status == .badRequest, "\(target)")
        }
        let plain = try #require(try harness.page("/assistance-records?limit=10").next)
        #expect(harness.get("/assistance-records?sort=-date&cursor=\(plain)").status == .badRequest)
        #expect(harness.get("/assistance-records?sort=-date&cursor=\(next)").status == .ok)
    }
}

struct ListValidationTests {
    let harness = APIHarness.shared

    @Test func list_answers400_forUnknownParameter_namingTheAllowedOnes() throws {
        let (status, detail) = try harness.problem("/assistance-records?colour=red")
        #expect(status == .badRequest)
        for name in ["colour", "date[gte]", "amountYuan[in]", "townId", "sort", "cursor", "q"] {
            #expect(detail.contains(name), "\(name) not in \(detail)")
        }
        #expect(try harness.problem("/grids?cadreId=cadre-0001").status == .badRequest)
        #expect(try harness.problem("/villages?townId[gte]=town-sidu").status == .badRequest)
    }

    @Test func list_answers400_forUnknownSortField() throws {
        for sort in ["colour", "-colour", "gridIds", "date,", "partyMembers"] {
            let resource = sort == "partyMembers" ? "projects" : sort == "gridIds" ? "cadres" : "assistance-records"
            let (status, detail) = try harness.problem("/\(resource)?sort=\(sort)")
            #expect(status == .badRequest, "\(sort)")
            #expect(detail.contains("sortable fields"), "\(sort): \(detail)")
        }
    }

    @Test func list_answers400_forUnknownOperator() throws {
        for target in [
            "/assistance-records?date[foo]=2014-01-01", "/assistance-records?type[gte]=visit",
            "/assistance-records?date[eq]=2014-01-01",
        ] {
            #expect(harness.get(target).status == .badRequest, "\(target)")
        }
    }

    @Test(arguments: [
        "limit=abc", "limit=0", "limit=501", "date[gte]=2014-13-01", "date[lt]=2014-02-30", "amountYuan[gte]=x",
        "amountYuan[in]=1,x", "type=picnic", "type[in]=visit,picnic", "cursor=%%%", "limit=5&limit=6",
    ])
    func list_answers400_forInvalidValues(_ query: String) throws {
        let response = harness.get("/assistance-records?\(query)")
        #expect(response.status == .badRequest)
        #expect(response.headerFields[.contentType] == "application/problem+json")
    }
}

struct ListInFilterTests {
    let harness = APIHarness.shared

    /// `type[in]=` used to match nothing while `type[in]=,,` was a 400; both are now the same 400.
    @Test(arguments: [
        "type%5Bin%5D=", "type%5Bin%5D=,,", "type%5Bin%5D=visit,,funding", "type%5Bin%5D=visit,", "id%5Bin%5D=",
        "summary%5Bin%5D=,",
    ])
    func list_answers400_forAnInListWithAnEmptyValue_namingTheParameter(_ query: String) throws {
        let (status, detail) = try harness.problem("/assistance-records?\(query)")
        #expect(status == .badRequest)
        let name = String(query.prefix { $0 != "%" }) + "[in]"
        #expect(detail.contains("`\(name)`") && detail.contains("empty"), "\(detail)")
    }
}

struct ListPagingTests {
    let harness = APIHarness.shared
    let link = HTTPField.Name("Link")!

    @Test func list_total_countsAllMatches_andNextIsNullOnTheLastPage() throws {
        let first = try harness.page("/assistance-records?type=branch_pairing&limit=50")
        #expect(first.total == 53)
        #expect(first.data.count == 50)
        let next = try #require(first.next)
        let last = try harness.page("/assistance-records?type=branch_pairing&limit=50&cursor=\(next)")
        #expect(last.total == 53)
        #expect(last.data.count == 3)
        #expect(last.next == nil)
        #expect(last.response.headerFields[link] == nil)
        #expect(Set(first.ids + last.ids).count == 53)
        let exact = try harness.page("/assistance-records?type=branch_pairing&limit=53")
        #expect(exact.next == nil && exact.data.count == 53)
    }

    @Test func list_link_carriesTheFiltersAndTheCursor() throws {
        let query = "type=funding&amountYuan%5Bgte%5D=10000&sort=-amountYuan&limit=20"
        let first = try harness.page("/assistance-records?\(query)")
        let next = try #require(first.next)
        let header = try #require(first.response.headerFields[link])
        #expect(header == "</assistance-records?\(query)&cursor=\(next)>; rel=\"next\"")
        // Following the link gives the same page as following `next`.
        let target = String(header.dropFirst().prefix { $0 != ">" })
        let viaLink = try harness.page(target)
        let viaNext = try harness.page("/assistance-records?\(query)&cursor=\(next)")
        #expect(viaLink.ids == viaNext.ids)
        #expect(viaLink.ids.count == 20)
        #expect(Set(viaLink.ids).isDisjoint(with: first.ids))
        #expect(
            viaLink.data.allSatisfy { $0["type"] == .string("funding") && ($0["amountYuan"]?.number ?? 0) >= 10_000 })
        // The link of the second page replaces the cursor rather than adding another.
        let secondLink = try #require(viaLink.response.headerFields[link])
        #expect(secondLink.ranges(of: "cursor=").count == 1)
        #expect(secondLink.contains("cursor=\(try #require(viaLink.next))"))
    }

    /// A visits cursor on `/cadres` used to answer `{"data":[],"next":null,…}`: the end of a list
    /// that had not been read.
    @Test func list_answers400_forACursorFromAnotherResource() throws {
        let next = try #require(try harness.page("/assistance-records?type=visit&limit=10").next)
        for target in [
            "/cadres?cursor=\(next)", "/grids?limit=10&cursor=\(next)",
            "/cadres/cadre-0001/assistance-records?cursor=\(next)",
        ] {
            let (status, detail) = try harness.problem(target)
            #expect(status == .badRequest, "\(target)")
            #expect(detail.contains("cursor"), "\(target): \(detail)")
        }
        let (_, detail) = try harness.problem("/cadres?cursor=\(next)")
        #expect(detail.contains("assistance-records") && detail.contains("cadres"), "\(detail)")
    }

    @Test func list_answers400_forACursorFromOtherFilters_orAnotherSearch() throws {
        let base = "/assistance-records?type=visit&date%5Bgte%5D=2014-03-01"
        let next = try #require(try harness.page("\(base)&limit=10").next)
        for other in [
            "/assistance-records?type=visit", "/assistance-records?date%5Bgte%5D=2014-03-01",
            "/assistance-records?type=funding&date%5Bgte%5D=2014-03-01", "\(base)&q=%E7%BD%91",
            "\(base)&gridId=grid-0001", "/grids/grid-0001/assistance-records?type=visit&date%5Bgte%5D=2014-03-01",
        ] {
            let (status, detail) = try harness.problem("\(other)&limit=10&cursor=\(next)")
            #expect(status == .badRequest, "\(other)")
            #expect(detail.contains("filters"), "\(other): \(detail)")
        }
    }

    @Test func list_accepts_aCursor_withTheFiltersInAnotherOrder_andAnotherLimit() throws {
        let first = try harness.page("/assistance-records?type%5Bin%5D=visit,funding&gridId=grid-0192&limit=3")
        let next = try #require(first.next)
        let reordered = try harness.page(
            "/assistance-records?limit=5&gridId=grid-0192&type%5Bin%5D=funding,visit&cursor=\(next)")
        let whole = try harness.page("/assistance-records?type%5Bin%5D=visit,funding&gridId=grid-0192&limit=8")
        #expect(first.ids + reordered.ids == whole.ids)
        // The nested read is the same list as the filter on its parent, so its cursor carries over.
        let nested = try harness.page("/grids/grid-0192/assistance-records?type%5Bin%5D=visit,funding&cursor=\(next)")
        #expect(nested.ids.prefix(5) == reordered.ids[...])
        #expect(
            try harness.problem("/grids/grid-0193/assistance-records?type%5Bin%5D=visit,funding&cursor=\(next)")
                .status == .badRequest)
    }

    @Test func list_pages_coverEveryMatch_once() throws {
        let ids = try harness.allIDs("/assistance-records?type=visit")
        #expect(ids.count == 13_300)
        #expect(Set(ids).count == 13_300)
        #expect(ids == ids.sorted())
    }
}

/// A nested read and the list filter that must give the same records.
struct NestedCase: Sendable, CustomTestStringConvertible {
    var nested: String
    var filtered: String
    var field: String
    var parent: String
    var unknownParent: String

    var testDescription: String { nested }

    static let all: [NestedCase] = [
        NestedCase(
            nested: "/towns/town-donggongsi/villages", filtered: "/villages?townId=town-donggongsi", field: "townId",
            parent: "town-donggongsi", unknownParent: "/towns/town-nowhere/villages"),
        NestedCase(
            nested: "/villages/village-jiaotong/grids", filtered: "/grids?villageId=village-jiaotong",
            field: "villageId", parent: "village-jiaotong", unknownParent: "/villages/village-nowhere/grids"),
        NestedCase(
            nested: "/villages/village-tuanzeju/projects", filtered: "/projects?villageId=village-tuanzeju",
            field: "villageId", parent: "village-tuanzeju", unknownParent: "/villages/village-nowhere/projects"),
        NestedCase(
            nested: "/grids/grid-0192/cadres", filtered: "/cadres?gridIds=grid-0192", field: "gridIds",
            parent: "grid-0192", unknownParent: "/grids/grid-9999/cadres"),
        NestedCase(
            nested: "/grids/grid-0192/assistance-records", filtered: "/assistance-records?gridId=grid-0192",
            field: "gridId", parent: "grid-0192", unknownParent: "/grids/grid-9999/assistance-records"),
        NestedCase(
            nested: "/cadres/cadre-0054/assistance-records", filtered: "/assistance-records?cadreId=cadre-0054",
            field: "cadreId", parent: "cadre-0054", unknownParent: "/cadres/cadre-9999/assistance-records"),
    ]
}

struct NestedReadTests {
    let harness = APIHarness.shared

    @Test(arguments: NestedCase.all)
    func nested_returns_exactlyTheMatchingChildren(_ nested: NestedCase) throws {
        let (children, _) = try harness.walk(nested.nested)
        let ids = children.compactMap { $0["id"]?.text }
        #expect(!ids.isEmpty)
        #expect(ids == (try harness.allIDs(nested.filtered)))
        for child in children {
            let value = child[nested.field]
            let matches = value == .string(nested.parent) || value?.items?.contains(.string(nested.parent)) == true
            #expect(matches, "\(child["id"] ?? .null): \(nested.field) = \(value ?? .null)")
        }
        // The parent's children are every record of the child resource that names it.
        let childKind = try #require(ResourceKind(rawValue: String(nested.nested.split(separator: "/").last!)))
        let position = try #require(childKind.schema.index(of: nested.field))
        let expected = expectedIDs(childKind) {
            $0.values[position] == .string(nested.parent) || $0.values[position].list.contains(nested.parent)
        }
        #expect(ids == expected)
    }

    @Test(arguments: NestedCase.all)
    func nested_answers404_forAnUnknownParent(_ nested: NestedCase) {
        let response = harness.get(nested.unknownParent)
        #expect(response.status == .notFound)
        #expect(response.headerFields[.contentType] == "application/problem+json")
    }

    @Test func nested_takesFiltersAndPagesLikeTheList() throws {
        let nested = try harness.page("/grids/grid-0192/assistance-records?type=visit&limit=3")
        let filtered = try harness.page("/assistance-records?gridId=grid-0192&type=visit&limit=3")
        #expect(nested.ids == filtered.ids)
        #expect(nested.total == filtered.total)
        let next = try #require(nested.next)
        let link = try #require(nested.response.headerFields[HTTPField.Name("Link")!])
        #expect(link.hasPrefix("</grids/grid-0192/assistance-records?type=visit&limit=3&cursor=\(next)>"))
        #expect(harness.get("/grids/grid-0192/assistance-records?colour=red").status == .badRequest)
    }
}
