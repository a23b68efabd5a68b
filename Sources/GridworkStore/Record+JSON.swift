public import JSON

extension Record {
    /// Writes the record as the API shows it: `id`, the fields in schema order (nulls included),
    /// then `createdAt`, `updatedAt`, `revision`, `source`, `createdBy`, `updatedBy`.
    public func write(_ schema: Schema, to writer: inout JSONWriter) {
        writer.raw("{\"id\":")
        writer.string(id)
        for position in values.indices {
            writer.raw(schema.memberPrefixes[position])
            switch values[position] {
            case .null: writer.raw("null")
            case .string(let text): writer.string(text)
            case .int(let number): writer.int(number)
            case .bool(let flag): writer.bool(flag)
            case .list(let items):
                writer.bytes.append(UInt8(ascii: "["))
                for (index, item) in items.enumerated() {
                    if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
                    writer.string(item)
                }
                writer.bytes.append(UInt8(ascii: "]"))
            case .counts(let counts):
                writer.bytes.append(UInt8(ascii: "{"))
                if case .counts(let keys) = schema.fields[position].type {
                    for (index, key) in keys.enumerated() {
                        if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
                        writer.key(key)
                        writer.int(index < counts.count ? counts[index] : 0)
                    }
                }
                writer.bytes.append(UInt8(ascii: "}"))
            case .steps(let steps):
                writer.bytes.append(UInt8(ascii: "["))
                for (index, step) in steps.enumerated() {
                    if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
                    step.write(to: &writer)
                }
                writer.bytes.append(UInt8(ascii: "]"))
            }
        }
        writer.raw(",\"createdAt\":")
        writer.string(createdAt)
        writer.raw(",\"updatedAt\":")
        writer.string(updatedAt)
        writer.raw(",\"revision\":")
        writer.int(revision)
        writer.raw(",\"source\":")
        writer.string(source.rawValue)
        writer.raw(",\"createdBy\":")
        writer.string(createdBy)
        writer.raw(",\"updatedBy\":")
        writer.string(updatedBy)
        writer.bytes.append(UInt8(ascii: "}"))
    }

    /// The record's JSON bytes.
    public func json(_ schema: Schema) -> [UInt8] {
        var writer = JSONWriter(capacity: 384)
        write(schema, to: &writer)
        return writer.bytes
    }
}

extension Record {
    /// The record's fields (no metadata, nulls left out) as a JSON object: the inverse of
    /// `Schema.values(from:)`, and the target a merge patch applies to.
    public func fieldsObject(_ schema: Schema) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        for (position, field) in schema.fields.enumerated() {
            let value: JSONValue
            switch values[position] {
            case .null: continue
            case .string(let text): value = .string(text)
            case .int(let number): value = .int(number)
            case .bool(let flag): value = .bool(flag)
            case .list(let items): value = .array(items.map { .string($0) })
            case .counts(let counts):
                guard case .counts(let keys) = field.type else { continue }
                value = .object(zip(keys, counts).map { (key: $0, value: .int($1)) })
            case .steps(let steps): value = .array(steps.map(\.json))
            }
            members.append((field.name, value))
        }
        return .object(members)
    }
}
