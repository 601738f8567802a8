/// A line diff in the unified format, for moderators comparing a submission with the approved
/// version: Myers' O((N+M)·D) algorithm, hunks with three lines of context.
enum LineDiff {
    enum Edit: Equatable {
        case same(String), removed(String), added(String)
    }

    /// The edits that turn `old` into `new`, shortest first. Past `maxEdits` differences (a rewrite,
    /// not an edit) it stops searching and answers "all removed, all added".
    static func edits(_ old: [String], _ new: [String], maxEdits: Int = 1_000) -> [Edit] {
        let n = old.count, m = new.count
        let limit = min(n + m, maxEdits)
        let offset = limit + 1
        var v = [Int](repeating: 0, count: 2 * limit + 3)
        var trace: [[Int]] = []
        var found = false
        search: for d in 0...limit {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, old[x] == new[y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n && y >= m { found = true; break search }
            }
        }
        guard found else { return old.map(Edit.removed) + new.map(Edit.added) }
        // Walk the trace back from the end to recover the path.
        var edits: [Edit] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let v = trace[d]
            let k = x - y
            let previousK = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? k + 1 : k - 1
            let previousX = d == 0 ? 0 : v[offset + previousK]
            let previousY = previousX - previousK
            while x > previousX && y > previousY {
                edits.append(.same(old[x - 1])); x -= 1; y -= 1
            }
            if d > 0 {
                if x == previousX { edits.append(.added(new[y - 1])) } else { edits.append(.removed(old[x - 1])) }
                x = previousX; y = previousY
            }
        }
        return edits.reversed()
    }

    /// `old` against `new` in the unified format (`--- a`, `+++ b`, `@@ -l,s +l,s @@` hunks);
    /// empty when they are the same.
    static func unified(_ old: String, _ new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let a = lines(old), b = lines(new)
        let edits = edits(a, b)
        guard edits.contains(where: { if case .same = $0 { false } else { true } }) else { return "" }
        var out = "--- \(oldName)\n+++ \(newName)\n"
        // Positions (in old and new) before each edit, to number the hunks.
        var positions: [(Int, Int)] = []
        var i = 0, j = 0
        for edit in edits {
            positions.append((i, j))
            switch edit {
            case .same: i += 1; j += 1
            case .removed: i += 1
            case .added: j += 1
            }
        }
        let changed = edits.indices.filter { if case .same = edits[$0] { false } else { true } }
        var start = 0
        while start < changed.count {
            // Group changes whose contexts touch into one hunk.
            var end = start
            while end + 1 < changed.count && changed[end + 1] - changed[end] <= 2 * context { end += 1 }
            let from = max(0, changed[start] - context), to = min(edits.count - 1, changed[end] + context)
            var oldCount = 0, newCount = 0, body = ""
            for index in from...to {
                switch edits[index] {
                case .same(let line): body += " \(line)\n"; oldCount += 1; newCount += 1
                case .removed(let line): body += "-\(line)\n"; oldCount += 1
                case .added(let line): body += "+\(line)\n"; newCount += 1
                }
            }
            let (oldStart, newStart) = positions[from]
            out += "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n" + body
            start = end + 1
        }
        return out
    }

    private static func range(_ start: Int, _ count: Int) -> String {
        // Unified diffs number lines from 1; an empty range names the line before it.
        count == 0 ? "\(start),0" : count == 1 ? "\(start + 1)" : "\(start + 1),\(count)"
    }

    private static func lines(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
