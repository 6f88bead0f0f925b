#!/usr/bin/env python3
"""Checks the module boundaries against Package.swift and the docs.

1. Every `import X` in a target's sources names X among the target's direct dependencies in
   Package.swift (or a system module such as Foundation).
2. Every library and executable module has `Sources/<Module>/<Module>.swift`, whose comment says
   what the module owns and what it must not import, and none of its files imports those.
3. The module graph between the markers in docs/architecture.md equals the one generated from
   Package.swift (`--write` rewrites it).

Usage: .ci/check-modules.py [--write]   (from the repository root; needs `swift package`)
"""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SYSTEM = {"Foundation", "Glibc", "Darwin", "Dispatch", "Synchronization", "XCTest", "FoundationEssentials",
          "Observation", "_Concurrency"}
BEGIN, END = "<!-- module-graph:begin -->", "<!-- module-graph:end -->"


def targets():
    out = subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    for t in json.loads(out)["targets"]:
        deps = []
        for d in t["dependencies"]:
            kind, value = next(iter(d.items()))
            deps.append(value[0])
        default = "Tests" if t["type"] == "test" else "Sources"
        path = ROOT / (t.get("path") or f"{default}/{t['name']}")
        yield t["name"], t["type"], deps, path


def imports(path):
    for f in sorted(path.rglob("*.swift")):
        for n, line in enumerate(f.read_text().splitlines(), 1):
            m = re.match(r"\s*(?:@testable\s+|@_implementationOnly\s+|(?:public|package|internal)\s+)?import\s+(\w+)", line)
            if m:
                yield f.relative_to(ROOT), n, m.group(1)


def forbidden(module, path, all_modules):
    doc = path / f"{module}.swift"
    if not doc.exists():
        return None
    text = doc.read_text()
    if "Owns:" not in text or "Must not import:" not in text:
        return None
    clause = text.split("Must not import:", 1)[1].split("\n//\n", 1)[0]
    names = set(re.findall(r"\b(Rec\w+|C[A-Z]\w+|ArgumentParser)\b", clause))
    if re.search(r"every other Rec module|any other Rec module", clause):
        names |= {m for m in all_modules if m.startswith("Rec") and m != module}
    return names - {module}


def graph(all_targets):
    lines = []
    for name, kind, deps, _ in all_targets:
        if kind in ("test", "system") or name.startswith("Fuzz") or name == "RecTestSupport":
            continue
        lines.append(f"- `{name}` → " + (", ".join(f"`{d}`" for d in deps) if deps else "(none)"))
    return "\n".join(lines)


def main():
    write = "--write" in sys.argv
    all_targets = list(targets())
    names = {t[0] for t in all_targets}
    problems = []
    for name, kind, deps, path in all_targets:
        if kind == "system" or not path.exists():
            continue
        allowed = set(deps) | SYSTEM | {name}
        for f, n, mod in imports(path):
            if mod not in allowed:
                problems.append(f"{f}:{n}: {name} imports {mod}, which is not among its dependencies in Package.swift")
        if kind in ("regular", "executable") and name.startswith(("Rec", "efficientrec")) and name != "RecTestSupport" \
                and any(path.glob("*.swift")):
            bad = forbidden(name, path, names)
            if bad is None:
                problems.append(f"{path.relative_to(ROOT)}/{name}.swift: missing, or without 'Owns:' and 'Must not import:'")
                continue
            for f, n, mod in imports(path):
                if mod in bad:
                    problems.append(f"{f}:{n}: {name} must not import {mod} (see {name}.swift)")
    docs = ROOT / "docs/architecture.md"
    text = docs.read_text()
    generated = graph(all_targets)
    if BEGIN not in text or END not in text:
        problems.append(f"docs/architecture.md: no module graph between {BEGIN} and {END}")
    else:
        head, rest = text.split(BEGIN, 1)
        current, tail = rest.split(END, 1)
        if current.strip() != generated:
            if write:
                docs.write_text(f"{head}{BEGIN}\n{generated}\n{END}{tail}")
                print("docs/architecture.md: module graph rewritten")
            else:
                problems.append("docs/architecture.md: the module graph differs from Package.swift "
                                "(run .ci/check-modules.py --write)")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"modules: {len(all_targets)} targets, imports and module graph agree with Package.swift")


if __name__ == "__main__":
    main()
