#if PostgreSQL
    import Glibc

    /// Optional strings copied into one contiguous buffer of NUL-terminated C strings, for libpq calls that
    /// take `const char * const *` (statement parameters, connection keywords and values).
    ///
    /// One copy of every byte keeps this flat: nesting a `withCString` per string would avoid the copy but
    /// costs a stack frame per parameter, and a statement may carry tens of thousands.
    struct CStringArray {
        /// Every string's UTF-8 bytes, each followed by a NUL.
        private var bytes: [UInt8] = []
        /// Where each string starts in `bytes`; nil for a nil string.
        private var offsets: [Int?] = []
        /// The position in the input of the first string that contains a NUL byte itself, which a C string
        /// would silently cut short.
        private(set) var firstIndexContainingNUL: Int?

        /// Copies `strings`; nil entries stay nil (a SQL NULL, or the end of a keyword list).
        init(_ strings: [String?]) {
            var total = 0
            for string in strings {
                if let string { total += string.utf8.count + 1 }
            }
            bytes.reserveCapacity(total)
            offsets.reserveCapacity(strings.count)
            for (index, string) in strings.enumerated() {
                guard let string else {
                    offsets.append(nil)
                    continue
                }
                let start = bytes.count
                let length = string.utf8.count
                bytes.append(contentsOf: string.utf8)
                bytes.append(0)
                offsets.append(start)
                if firstIndexContainingNUL == nil, containsNUL(from: start, count: length) {
                    firstIndexContainingNUL = index
                }
            }
        }

        /// Calls `body` with one pointer per input string (nil for nil); they are valid only during the call.
        func withPointers<Result>(_ body: ([UnsafePointer<CChar>?]) -> Result) -> Result {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { characters in
                    let pointers = offsets.map { offset -> UnsafePointer<CChar>? in
                        guard let offset, let base = characters.baseAddress else { return nil }
                        return base + offset
                    }
                    return body(pointers)
                }
            }
        }

        private func containsNUL(from start: Int, count: Int) -> Bool {
            bytes.withUnsafeBufferPointer { buffer in
                guard count > 0, let base = buffer.baseAddress else { return false }
                return memchr(base + start, 0, count) != nil
            }
        }
    }
#endif
