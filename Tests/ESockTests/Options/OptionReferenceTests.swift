import Foundation
import Testing
@testable import ESock

/// The committed option reference (`Sources/ESock/ESock.docc/OptionReference.md`) is the
/// option table rendered by ``OptionReference``: a row added, removed or changed without
/// regenerating the page fails here.
@Suite struct OptionReferenceTests {
    /// The package root, from this file's place in it.
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func committedPageMatchesTheTable() throws {
        let url = Self.root.appendingPathComponent(OptionReference.path)
        let rendered = OptionReference.markdown()
        if ProcessInfo.processInfo.environment["ESOCK_WRITE_OPTION_REFERENCE"] == "1" {
            try rendered.write(to: url, atomically: true, encoding: .utf8)
        }
        let committed = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        guard committed != rendered else { return }
        // Name the first line that differs rather than printing both pages.
        let old = committed.split(separator: "\n", omittingEmptySubsequences: false)
        let new = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(old.count, new.count)).first { old[$0] != new[$0] } ?? min(old.count, new.count)
        let was = line < old.count ? String(old[line]) : "(end of file)"
        let now = line < new.count ? String(new[line]) : "(end of file)"
        Issue.record("""
            \(OptionReference.path) is out of date with the option table (line \(line + 1): \
            committed \(was.debugDescription), table gives \(now.debugDescription)); regenerate it \
            with `ESOCK_WRITE_OPTION_REFERENCE=1 swift test --filter OptionReferenceTests` and commit it
            """)
    }

    @Test func everyRowIsOnThePage() {
        let page = OptionReference.markdown()
        for spec in OptionRows.all {
            #expect(page.contains("| `{\(spec.option.level.rawValue), \(spec.option.name)}` |"), "\(spec.option)")
        }
    }
}
