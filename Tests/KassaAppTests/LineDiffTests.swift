import Testing
@testable import KassaApp

@Suite struct LineDiffTests {
    @Test func sameTextHasNoDiff() {
        #expect(LineDiff.unified("a\nb", "a\nb", oldName: "old", newName: "new") == "")
        #expect(LineDiff.unified("", "", oldName: "old", newName: "new") == "")
    }

    @Test func oneChangedLineWithContext() {
        let old = (1...9).map { "line \($0)" }.joined(separator: "\n")
        let new = old.replacingOccurrences(of: "line 5", with: "строка 5")
        #expect(LineDiff.unified(old, new, oldName: "v1", newName: "v2") == """
            --- v1
            +++ v2
            @@ -2,7 +2,7 @@
             line 2
             line 3
             line 4
            -line 5
            +строка 5
             line 6
             line 7
             line 8

            """)
    }

    @Test func distantChangesMakeTwoHunksAndInsertionsCountRight() {
        let old = (1...20).map(String.init).joined(separator: "\n")
        var lines = (1...20).map(String.init)
        lines.insert("new", at: 1)
        lines[19] = "nineteen"
        let diff = LineDiff.unified(old, lines.joined(separator: "\n"), oldName: "a", newName: "b")
        let headers = diff.split(separator: "\n").filter { $0.hasPrefix("@@") }
        #expect(headers == ["@@ -1,4 +1,5 @@", "@@ -16,5 +17,5 @@"])
        #expect(diff.contains("+new\n"))
        #expect(diff.contains("-19\n+nineteen\n"))
    }

    @Test func fromNothingAndToNothing() {
        #expect(LineDiff.unified("", "a\nb", oldName: "a", newName: "b") == "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n")
        #expect(LineDiff.unified("a", "", oldName: "a", newName: "b") == "--- a\n+++ b\n@@ -1 +0,0 @@\n-a\n")
    }

    @Test func editsAreShortestAndReplayToTheNewText() {
        let old = ["a", "b", "c", "a", "b", "b", "a"], new = ["c", "b", "a", "b", "a", "c"]
        let edits = LineDiff.edits(old, new)
        // Myers' classic example: five edits (the shortest script).
        #expect(edits.filter { if case .same = $0 { false } else { true } }.count == 5)
        var rebuiltOld: [String] = [], rebuiltNew: [String] = []
        for edit in edits {
            switch edit {
            case .same(let l): rebuiltOld.append(l); rebuiltNew.append(l)
            case .removed(let l): rebuiltOld.append(l)
            case .added(let l): rebuiltNew.append(l)
            }
        }
        #expect(rebuiltOld == old)
        #expect(rebuiltNew == new)
    }

    @Test func aRewriteBeyondTheLimitIsAllRemovedThenAllAdded() {
        let old = (0..<50).map { "o\($0)" }, new = (0..<50).map { "n\($0)" }
        let edits = LineDiff.edits(old, new, maxEdits: 10)
        #expect(edits == old.map(LineDiff.Edit.removed) + new.map(LineDiff.Edit.added))
    }
}
