/// A property name prepared for fast comparison: its UTF-8 length and first sixteen bytes, so that
/// finding a key in an object compares integers, not strings (keys of up to 16 bytes, nearly all of
/// them, never touch their characters). Keys compare by their bytes, as Liquid's hashes do.
struct LookupKey: Sendable, Hashable {
    let name: String
    let count: Int
    let head: UInt64
    let tail: UInt64

    init(_ name: String) {
        var copy = name
        (count, head, tail) = copy.withUTF8 { bytes in
            var head: UInt64 = 0
            var tail: UInt64 = 0
            for i in 0..<min(8, bytes.count) { head |= UInt64(bytes[i]) << (8 * UInt64(i)) }
            if bytes.count > 8 {
                for i in 8..<min(16, bytes.count) { tail |= UInt64(bytes[i]) << (8 * UInt64(i - 8)) }
            }
            return (bytes.count, head, tail)
        }
        self.name = name
    }
}
