/// The bytes a render writes. Appending is a plain copy of UTF-8 bytes, far cheaper than growing a
/// `String` piece by piece; the text is made a `String` once, at the end.
struct OutputBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    @inline(__always) mutating func append(_ text: [UInt8]) {
        bytes.append(contentsOf: text)
    }

    @inline(__always) mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ other: OutputBuffer) {
        bytes.append(contentsOf: other.bytes)
    }

    /// Appends text with `& < > " '` replaced by HTML entities; the runs between them are copied whole.
    mutating func appendEscapingHTML(_ text: String) {
        var text = text
        text.withUTF8 { source in
            var runStart = 0
            var i = 0
            let count = source.count
            while i < count {
                let b = source[i]
                guard b <= 0x3E, b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 else {
                    i += 1
                    continue
                }
                if i > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<i])) }
                switch b {
                case 0x26: bytes.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])  // &amp;
                case 0x3C: bytes.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])  // &lt;
                case 0x3E: bytes.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])  // &gt;
                case 0x22: bytes.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])  // &quot;
                default: bytes.append(contentsOf: [0x26, 0x23, 0x33, 0x39, 0x3B])  // &#39;
                }
                i += 1
                runStart = i
            }
            if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<count])) }
        }
    }

    /// The text written. Every piece came from valid UTF-8, so this never repairs anything.
    var string: String { String(decoding: bytes, as: UTF8.self) }
}
