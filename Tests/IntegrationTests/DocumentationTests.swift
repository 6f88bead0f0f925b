import Foundation
import XCTest

/// The documentation agrees with the code: every command line shown in the README and docs/ names
/// flags the command has, and the protocol README's table names every message of every .proto file.
final class DocumentationTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func text(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The lines of the fenced blocks of a Markdown file, with continuation lines joined.
    static func commandLines(_ markdown: String) -> [String] {
        var lines: [String] = [], inBlock = false, pending = ""
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if raw.hasPrefix("```") { inBlock.toggle(); continue }
            guard inBlock else { continue }
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\\") { pending += line.dropLast() + " "; continue }
            lines.append(pending + line)
            pending = ""
        }
        return lines
    }

    /// The efficientrec invocations in a line: (subcommand words, flags).
    static func invocations(_ line: String) -> [(words: [String], flags: [String])] {
        var out: [(words: [String], flags: [String])] = []
        for part in line.split(separator: ";") {
            let tokens = part.split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) }
            guard let start = tokens.firstIndex(where: { $0 == "$bin" || $0 == "efficientrec" || $0.hasSuffix("/efficientrec") })
            else { continue }
            let rest = tokens[(start + 1)...]
            let words = rest.prefix { !$0.hasPrefix("-") && !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0 == "-" } }
            let flags = rest.filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=")[0]) }
            out.append((Array(words.prefix(2)), flags))
        }
        return out
    }

    func testEveryFlagInTheDocumentedCommandsExists() throws {
        var helps: [[String]: String] = [:]
        func help(_ words: [String]) throws -> String? {
            if let cached = helps[words] { return cached }
            let run = try CLI.run(words + ["--help"])
            guard run.status == 0 else { return nil }
            helps[words] = run.stdout
            return run.stdout
        }
        var checked = 0
        let docs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        XCTAssertFalse(docs.isEmpty, "the docs folder was found")
        for line in try (["README.md"] + docs).flatMap({ Self.commandLines(try text($0)) }) {
            for (words, flags) in Self.invocations(line) where !flags.isEmpty {
                // "keys generate" is a subcommand of a subcommand; "cluster" is followed by flags only.
                var usage: String?
                for n in stride(from: words.count, through: 0, by: -1) {
                    if let h = try help(Array(words.prefix(n))) { usage = h; break }
                }
                guard let usage else { XCTFail("\(line): no help for \(words)"); continue }
                for flag in flags where flag != "--help" {
                    XCTAssertTrue(
                        usage.contains(flag + " ") || usage.contains(flag + "\n") || usage.contains(flag + ","),
                        "docs: `\(line)`: \(words.joined(separator: " ")) has no flag \(flag)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 50, "the documentation's command blocks were found and read")
    }

    func testTheAPIPageNamesEveryMessageAndErrorCode() throws {
        let readme = try text("docs/api.md")
        let folder = Self.root.appendingPathComponent("protocols/efficientrec/v1")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".proto") }.sorted()
        XCTAssertEqual(files.count, 4)
        for file in files {
            let proto = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            guard let row = readme.split(separator: "\n").first(where: { $0.hasPrefix("| `\(file)`") }) else {
                XCTFail("docs/api.md has no table row for \(file)"); continue
            }
            let names = proto.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ")
                guard words.count >= 2, words[0] == "message" || words[0] == "enum" else { return nil }
                return String(words[1])
            }
            XCTAssertFalse(names.isEmpty, file)
            for name in names {
                XCTAssertTrue(row.contains("`\(name)`"), "docs/api.md's row for \(file) lacks \(name)")
            }
            let codes = proto.split(separator: "\n").compactMap { line -> String? in
                let word = line.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
                return word.hasPrefix("ERROR_CODE_") && word != "ERROR_CODE_UNSPECIFIED" ? word : nil
            }
            for code in codes {
                XCTAssertTrue(readme.contains("| `\(code)` |"), "docs/api.md's error table lacks \(code)")
            }
        }
    }
}
