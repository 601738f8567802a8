/// What a render writes. Text is appended to a native `String` piece by piece (measured faster here
/// than collecting bytes and validating them once at the end); values that need HTML escaping are
/// escaped through a reused byte buffer, and only those pieces are turned into text.
struct OutputBuffer {
    private(set) var string = ""
    private var scratch: [UInt8] = []

    init(capacity: Int = 0) {
        string.reserveCapacity(capacity)
    }

    /// The output's size in UTF-8 bytes.
    var count: Int { string.utf8.count }

    @inline(__always) mutating func append(_ text: String) {
        string += text
    }

    mutating func append(_ other: OutputBuffer) {
        string += other.string
    }

    /// Appends text with `& < > " '` replaced by HTML entities.
    mutating func appendEscapingHTML(_ text: String) {
        let needsEscaping = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.contains { $0 <= 0x3E && ($0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27) }
        } ?? true
        guard needsEscaping else {
            string += text
            return
        }
        scratch.removeAll(keepingCapacity: true)
        for b in text.utf8 {
            switch b {
            case 0x26: scratch.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])  // &amp;
            case 0x3C: scratch.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])  // &lt;
            case 0x3E: scratch.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])  // &gt;
            case 0x22: scratch.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])  // &quot;
            case 0x27: scratch.append(contentsOf: [0x26, 0x23, 0x33, 0x39, 0x3B])  // &#39;
            default: scratch.append(b)
            }
        }
        string += String(decoding: scratch, as: UTF8.self)
    }
}
