import GridworkStore
import JSON

/// Short accessors for reading API responses in tests.
extension JSONValue {
    var text: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var number: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    var items: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}
