public import JSON

extension Change {
    /// Writes the change as the journal and the change feed show it, without the braces around
    /// it: `"seq":…,"at":…,"by":…,"puts":[{"kind":…,"record":{…}}],"removes":[{"kind":…,"id":…}]`,
    /// then, with `before` and when there are any, `,"before":[{"kind":…,"record":{…}}]`.
    public func writeMembers(to writer: inout JSONWriter, before includeBefore: Bool) {
        writer.raw("\"seq\":")
        writer.int(revision)
        writer.raw(",\"at\":")
        writer.string(at)
        writer.raw(",\"by\":")
        writer.string(by)
        writer.raw(",\"puts\":")
        Self.write(puts, to: &writer)
        writer.raw(",\"removes\":[")
        for (index, remove) in removes.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{\"kind\":")
            writer.string(remove.kind.rawValue)
            writer.raw(",\"id\":")
            writer.string(remove.id)
            writer.raw("}")
        }
        writer.raw("]")
        if includeBefore && !before.isEmpty {
            writer.raw(",\"before\":")
            Self.write(before, to: &writer)
        }
    }

    /// `[{"kind":…,"record":{…}},…]`.
    static func write(_ images: [(kind: ResourceKind, record: Record)], to writer: inout JSONWriter) {
        writer.raw("[")
        for (index, image) in images.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{\"kind\":")
            writer.string(image.kind.rawValue)
            writer.raw(",\"record\":")
            image.record.write(image.kind.schema, to: &writer)
            writer.raw("}")
        }
        writer.raw("]")
    }
}
