// What every fuzz target in this package shares: handing control to libFuzzer, and showing an
// input in a crash message.

import CLibFuzzer

/// Runs libFuzzer's driver over the process's command line, calling `body` for every input.
///
/// SwiftPM links Linux executables with `--defsym main=<Module>_main` (so that executables are
/// testable), which leaves `-parse-as-library` code without a `main` and keeps libFuzzer's own
/// `main` out of the link. Each target defines `<Module>_main` with `@_cdecl` and calls this.
public func runLibFuzzer(
    _ argc: CInt,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, body)
}

/// The bytes of one libFuzzer input; libFuzzer may pass a null pointer for the empty input.
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
    guard let data, count > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: count))
}

/// The bytes as a C-like escaped string: printable ASCII as is, `\r`, `\n`, `\t`, `\\`, `\xNN`.
public func escape(_ bytes: ArraySlice<UInt8>, limit: Int = 600) -> String {
    var text = "\""
    for byte in bytes.prefix(limit) {
        switch byte {
        case 0x0D: text += "\\r"
        case 0x0A: text += "\\n"
        case 0x09: text += "\\t"
        case 0x5C: text += "\\\\"
        case 0x22: text += "\\\""
        case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = String(byte, radix: 16)
            text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    text += "\""
    if bytes.count > limit { text += "...(\(bytes.count - limit) more bytes)" }
    return text
}
