extension BinaryInteger {
    /// The decimal digits, left-padded with zeros to `width` (`7.zeroPadded(2)` is `07`).
    ///
    /// Written into the string's own storage: ids and dates are at most 15 bytes, so the result
    /// is a small string and this allocates nothing (ids are made on every create and replayed line).
    func zeroPadded(_ width: Int) -> String {
        guard self >= 0, let value = UInt64(exactly: self) else {
            let digits = String(self)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return String(unsafeUninitializedCapacity: value.decimalDigitCount(paddedTo: width)) { buffer in
            value.writeDecimal(into: buffer)
            return buffer.count
        }
    }
}

extension UInt64 {
    /// How many bytes `writeDecimal` needs for at least `width` digits.
    func decimalDigitCount(paddedTo width: Int = 1) -> Int {
        var count = 1
        var rest = self / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return Swift.max(count, width)
    }

    /// Fills `buffer` with the decimal digits, right-aligned, zeros on the left.
    func writeDecimal(into buffer: UnsafeMutableBufferPointer<UInt8>) {
        var rest = self
        for index in buffer.indices.reversed() {
            buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }
}
