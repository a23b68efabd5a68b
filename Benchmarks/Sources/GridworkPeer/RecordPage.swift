import Hummingbird

/// One page of a listing: `{"data": [...], "next": "<cursor>" | null, "total": N}`.
struct RecordPage: ResponseEncodable, Sendable {
    var data: [AssistanceRecord]
    var next: String?
    var total: Int

    enum CodingKeys: String, CodingKey {
        case data, next, total
    }

    // `next` is an explicit null on the last page, as Gridwork sends it.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(next, forKey: .next)
        try container.encode(total, forKey: .total)
    }
}

extension Stats: ResponseEncodable {}
extension AssistanceRecord: ResponseEncodable {}
