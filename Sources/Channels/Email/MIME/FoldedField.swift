extension MIMEWriter {
    /// One header field built from tokens and folded (CRLF + space) between them so that lines
    /// stay within 76 characters, the RFC 2047 limit for lines holding encoded words.
    ///
    /// Folding only ever replaces a space that separates two tokens, so unfolding gives back the
    /// value exactly. A token longer than a line is kept whole on a line of its own.
    struct FoldedField {
        static let lineLimit = 76

        let name: String
        private var finishedLines: [String] = []
        private var line: String
        private var lineHasToken = false

        init(_ name: String) {
            self.name = name
            line = name + ":"
        }

        /// The field as written, without the final CRLF.
        var text: String {
            (finishedLines + [line]).joined(separator: "\r\n")
        }

        /// The longest line in octets.
        var longestLine: Int {
            (finishedLines + [line]).map(\.utf8.count).max() ?? 0
        }

        /// Appends a space and `token`, first folding if the line would grow past the limit.
        /// An empty token adds just the space and never folds (no whitespace-only lines).
        mutating func append(_ token: String) {
            if lineHasToken, !token.isEmpty, line.utf8.count + 1 + token.utf8.count > Self.lineLimit {
                fold()
            }
            line += " " + token
            lineHasToken = true
        }

        /// Appends `text` as RFC 2047 encoded words, sized to the room left on each line.
        mutating func appendEncoded(_ text: String) {
            var pending: [UInt8] = []
            var capacity = EncodedWord.payloadCapacity(wordLength: roomForToken)
            for unit in EncodedWord.units(of: text) {
                if pending.count + unit.count > capacity {
                    if pending.isEmpty {
                        // Not even one character fits after what is already on this line.
                        fold()
                    } else {
                        append(EncodedWord.word(pending))
                        pending = []
                    }
                    capacity = EncodedWord.payloadCapacity(wordLength: roomForToken)
                    if pending.count + unit.count > capacity {
                        fold()
                        capacity = EncodedWord.payloadCapacity(wordLength: roomForToken)
                    }
                }
                pending.append(contentsOf: unit)
            }
            if !pending.isEmpty || text.isEmpty {
                append(EncodedWord.word(pending))
            }
        }

        /// The longest token that still fits on the current line after its separating space.
        private var roomForToken: Int {
            Self.lineLimit - line.utf8.count - 1
        }

        /// Ends the current line; a fresh continuation line is left as it is.
        private mutating func fold() {
            guard !line.isEmpty else { return }
            finishedLines.append(line)
            line = ""
            lineHasToken = false
        }
    }
}
