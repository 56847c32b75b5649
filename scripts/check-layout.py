#!/usr/bin/env python3
"""Checks the server's layout rules over its source (docs/architecture.md, "Rules the test command checks").

    python3 scripts/check-layout.py [--graph] [PROJECT_DIR]

PROJECT_DIR defaults to src/UploadsGrpc.Server. Each rule is one check; the last line is
"layout: N passed, M failed" and the exit code is 1 when a check failed. --graph also prints the
dependencies between the folders' namespaces.

Why a script rather than an analyzer: the rules are about folders and namespaces, which no analyzer of the
SDK checks, and reading the source is enough for them. A dependency is any way C# lets one namespace name
another: a using directive, a qualified name (full, or relative to an enclosing namespace, as `Errors.X`
inside `UploadsGrpc.Server.Uploads`), or a type of an enclosing namespace named without qualification.
"""
import os
import re
import sys
from collections import defaultdict

ROOT_NAMESPACE = "UploadsGrpc.Server"
TYPE_DECL = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)*(?:(?:public|internal|private|protected|file|static|sealed|abstract|partial|readonly|ref|unsafe)\s+)*"
    r"(?:record\s+(?:class|struct)|class|struct|interface|enum|record)\s+(\w+)", re.M)
NAMESPACE_DECL = re.compile(r"^namespace\s+([\w.]+)\s*;", re.M)
USING = re.compile(r"^using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)\s*;", re.M)
QUALIFIED = re.compile(r"(?<![\w.])([A-Z]\w*(?:\.[A-Z]\w*)*)\.[A-Z]\w*")
MAP_TO = re.compile(r"\b(?:public|internal|private|protected)\s+(?:static\s+)?[\w<>?,\[\]. ]+\s+(MapTo\w+)\s*\(")
LOGGER_MESSAGE = re.compile(r"\[LoggerMessage\((.*?)\)\]", re.S)
DIRECT_LOG = re.compile(r"\.Log(?:Trace|Debug|Information|Warning|Error|Critical)?\s*\(")


def strip_code(text):
    """Drops string literals and non-doc comments, so only code and doc references (cref) count."""
    text = re.sub(r'cref="([^"]*)"', r"cref=\1 ", text)
    text = re.sub(r'@?\$?"(?:[^"\\\n]|\\.)*"', '""', text)
    return re.sub(r"(?<!/)//(?!/)[^\n]*", "", text)


def read_sources(project):
    sources = {}
    for directory, dirs, files in os.walk(project):
        dirs[:] = [d for d in dirs if d not in ("bin", "obj", "Properties")]
        for name in files:
            if name.endswith(".cs"):
                path = os.path.join(directory, name)
                with open(path, encoding="utf-8-sig") as f:
                    sources[os.path.relpath(path, project)] = f.read()
    return sources


def folder_namespace(relative_path):
    folder = os.path.dirname(relative_path)
    return ROOT_NAMESPACE + ("." + folder.replace(os.sep, ".") if folder else "")


def ancestors(namespace):
    parts = namespace.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def dependencies(sources, namespaces, types_by_namespace):
    edges = defaultdict(set)
    for path, text in sources.items():
        match = NAMESPACE_DECL.search(text)
        if not match or match.group(1) not in namespaces:
            continue
        here = match.group(1)
        code = strip_code(text)

        def add(target):
            if target != here and target in namespaces:
                edges[here].add(target)

        def longest_namespace(name):
            for candidate in ancestors(name):
                if candidate in namespaces:
                    return candidate
            return None

        for used in USING.findall(code):
            add(longest_namespace(used))
        body = re.sub(r"^(?:namespace|using)\s[^\n]*", "", code, flags=re.M)
        for qualified in QUALIFIED.findall(body):
            for base in ancestors(here) + [""]:
                resolved = longest_namespace(f"{base}.{qualified}" if base else qualified)
                if resolved and resolved != base and resolved.startswith(ROOT_NAMESPACE + "."):
                    add(resolved)
                    break
        for parent in ancestors(here)[1:]:
            if parent in namespaces and any(re.search(rf"\b{t}\b", body) for t in types_by_namespace[parent]):
                add(parent)
    return edges


def cycles(edges, nodes):
    """Tarjan's strongly connected components with more than one namespace."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return found


def main(argv):
    graph = "--graph" in argv
    args = [a for a in argv if a != "--graph"]
    project = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "src", "UploadsGrpc.Server")
    sources = read_sources(project)
    results = []

    def check(name, problems):
        results.append((name, problems))
        print(f"{'ok  ' if not problems else 'FAIL'} {name}")
        for problem in problems:
            print(f"       {problem}")

    # Every file declares the namespace of its folder (Program.cs, top-level statements, declares none).
    declared = {}
    problems = []
    for path, text in sorted(sources.items()):
        match = NAMESPACE_DECL.search(text)
        if path == "Program.cs":
            continue
        expected = folder_namespace(path)
        if not match:
            problems.append(f"{path}: no file-scoped namespace")
        elif match.group(1) != expected:
            problems.append(f"{path}: namespace {match.group(1)}, expected {expected}")
        declared[path] = expected
    check("each file's namespace is its folder (file-scoped)", problems)

    # One type a file, named like the file.
    types_by_namespace = defaultdict(set)
    problems = []
    for path, text in sorted(sources.items()):
        names = TYPE_DECL.findall(strip_code(text))
        stem = os.path.splitext(os.path.basename(path))[0]
        if len(names) != 1:
            problems.append(f"{path}: {len(names)} types ({', '.join(names) or 'none'})")
        elif names[0] != stem:
            problems.append(f"{path}: holds {names[0]}, not {stem}")
        for name in names:
            types_by_namespace[declared.get(path, ROOT_NAMESPACE)].add(name)
    check("one type a file, named like the file", problems)

    namespaces = set(declared.values())
    edges = dependencies(sources, namespaces, types_by_namespace)
    found = cycles(edges, namespaces)
    check("no dependency cycle between folders", [" <-> ".join(n.removeprefix(ROOT_NAMESPACE + ".") for n in c) for c in found])

    required = {"Hosting", "Uploads", "Uploads.UploadFile", "Files", "Upstream", "Mapping", "Errors", "Lifecycle"}
    present = {n.removeprefix(ROOT_NAMESPACE + ".") for n in namespaces}
    check("the feature folders exist (Hosting, Uploads, Uploads/UploadFile, Files, Upstream, Mapping, Errors, Lifecycle)",
          [f"missing {folder}/" for folder in sorted(required - present)])

    problems = []
    for path, text in sorted(sources.items()):
        for name in MAP_TO.findall(text):
            if not path.startswith("Mapping" + os.sep):
                problems.append(f"{path}: {name} belongs in Mapping/")
    check("every MapToX function is in Mapping/", problems)

    # Log events: one class, ids from 1 in increasing order (a retired id leaves a gap, never reused), unique names;
    # nothing logs around it.
    problems = []
    events = []
    for path, text in sorted(sources.items()):
        for attribute in LOGGER_MESSAGE.findall(text):
            if path != os.path.join("Telemetry", "ServerLog.cs"):
                problems.append(f"{path}: [LoggerMessage] outside Telemetry/ServerLog.cs")
            event_id = re.search(r"EventId\s*=\s*(\d+)", attribute)
            event_name = re.search(r'EventName\s*=\s*"(\w+)"', attribute)
            if not event_id or not event_name:
                problems.append(f"{path}: a [LoggerMessage] without EventId and EventName")
            else:
                events.append((int(event_id.group(1)), event_name.group(1)))
        for line_number, line in enumerate(strip_code(text).splitlines(), 1):
            if DIRECT_LOG.search(line) and "ServerLog." not in line:
                problems.append(f"{path}:{line_number}: logs without a ServerLog event")
    ids = [event_id for event_id, _ in events]
    if ids and (ids[0] != 1 or any(b <= a for a, b in zip(ids, ids[1:]))):
        problems.append(f"event ids are {ids}: they must start at 1 and increase in declaration order")
    names = [name for _, name in events]
    if len(set(names)) != len(names):
        problems.append("an event name is used twice")
    if not events:
        problems.append("no log events found")
    check("log events: one ServerLog, ids from 1 in increasing order, unique names, no other log call", problems)

    # Options: bound, validated by an IValidateOptions and on start.
    problems = []
    everything = "\n".join(sources.values())
    for path, text in sorted(sources.items()):
        for name in re.findall(r"\bclass\s+(\w+Options)\b", text):
            if not re.search(rf"IValidateOptions<{name}>", everything):
                problems.append(f"{name}: no IValidateOptions<{name}>")
            if not re.search(rf"AddOptions<{name}>\(\)\s*\.BindConfiguration\([^)]*\)\s*\.ValidateOnStart\(\)", everything):
                problems.append(f"{name}: not registered with AddOptions().BindConfiguration().ValidateOnStart()")
    check("every options class: bound, IValidateOptions, ValidateOnStart", problems)

    if graph:
        print("dependencies:")
        for node in sorted(edges):
            short = lambda n: n.removeprefix(ROOT_NAMESPACE + ".")
            print(f"  {short(node)} -> {', '.join(short(t) for t in sorted(edges[node]))}")

    failed = sum(1 for _, problems in results if problems)
    print(f"layout: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
