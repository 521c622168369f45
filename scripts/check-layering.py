#!/usr/bin/env python3
"""The layering check: every #include of another module must be declared in CMake.

A *module* is a folder under hub/ or adapters/ that defines at least one target with
docaxis_library(), docaxis_executable() or add_library(docaxis_<name> ...). Hub modules are
named by their folder (`engine`), adapter modules by `adapters/<folder>` (`adapters/agent`),
because hub/config and adapters/config would otherwise share a name.

The rule (the DEPS list *is* the layering rule, scripts/cmake/DocaxisTarget.cmake):

  A file of module M may `#include "x/..."` of another module X only when one of M's targets
  names one of X's targets in its DEPS or PRIVATE_DEPS (or a target_link_libraries() call on
  it) *directly*. A dependency that arrives transitively (M links A, A links X) is not enough:
  if M uses X, M says so. Exception: `common` (Status, Result, strings, thread names) may be
  included by everyone without being named.

Which files are checked with which dependency list:
  - a source listed in a target's SOURCES: that target's direct dependencies;
  - any other file of the folder (headers, unlisted sources): the union over the folder's
    targets (a header may be included by any of them).
Includes inside one's own folder are always allowed. An include is attributed to a module
when it resolves to an existing file under hub/ or adapters/ (quoted or angle form), or, for
a generated file (store/migrations_sql.inc), when its first path component is a module
folder. Anything else (third-party headers, same-folder includes without a slash) is ignored.

Rules file (scripts/layering-rules.txt, or --rules FILE), one rule a line, `#` comments:
  forbid FROM:TO           the edge must not exist at all: neither an include nor a declared
                           dependency (also `--forbid engine:amqp,delivery:amqp`).
  known FROM:TO  reason    an undeclared edge that is tracked for removal: its includes are
                           reported on stderr but do not fail the check. A `known` rule whose
                           edge no longer has an undeclared include fails the check ("stale"),
                           so the list only shrinks.

Output: one line per problem, `file:line: message`; exit 1 on any, 0 when clean, 2 on usage
errors or a CMake call the parser cannot read. `--graph` prints instead the module include
graph (what the files really include), one line per module, `engine -> amqp audit dsig ...`,
leaving out `common`, and exits 0.

Python 3 standard library only; no build tree needed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

MODULE_ROOTS = ("hub", "adapters")
EXEMPT_MODULES = {"common"}
SOURCE_SUFFIXES = {".cpp", ".cc", ".hpp", ".h", ".inc", ".ipp"}
DEFAULT_RULES_FILE = "scripts/layering-rules.txt"

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*(?:"([^"]+)"|<([^>]+)>)')
CALL_RE = re.compile(r"\b(docaxis_library|docaxis_executable|add_library|add_executable|"
                     r"target_link_libraries)\s*\(", re.IGNORECASE)


@dataclass
class Target:
    name: str                 # the CMake target name (docaxis_engine, docaxis-hub)
    alias: str                # how DEPS lists name it (docaxis::engine, docaxis-hub)
    module: str               # the module (folder) it lives in
    cmake_file: str
    line: int
    sources: list[str] = field(default_factory=list)       # paths relative to the root
    deps: list[tuple[str, int]] = field(default_factory=list)  # (dependency name, CMake line)


@dataclass
class Module:
    name: str
    folder: str               # relative to the root, e.g. hub/engine
    include_root: str         # hub or adapters
    targets: list[Target] = field(default_factory=list)


class CMakeError(Exception):
    pass


def strip_cmake_comments(text: str) -> str:
    """Removes `# ...` comments (outside quoted strings), keeping line breaks."""
    out = []
    for line in text.split("\n"):
        in_quote = False
        cut = len(line)
        for i, ch in enumerate(line):
            if ch == '"':
                in_quote = not in_quote
            elif ch == "#" and not in_quote:
                cut = i
                break
        out.append(line[:cut])
    return "\n".join(out)


def cmake_calls(text: str, path: str):
    """Yields (command, [(argument, line)], line) for the calls this script understands."""
    text = strip_cmake_comments(text)
    for m in CALL_RE.finditer(text):
        start = m.end()
        depth = 1
        i = start
        while i < len(text) and depth:
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
            i += 1
        if depth:
            raise CMakeError(f"{path}:{text.count(chr(10), 0, m.start()) + 1}: "
                             f"unterminated {m.group(1)}(")
        body = text[start:i - 1]
        args = []
        for am in re.finditer(r'"[^"]*"|[^\s()]+', body):
            line = text.count("\n", 0, start + am.start()) + 1
            args.append((am.group(0).strip('"'), line))
        yield m.group(1).lower(), args, text.count("\n", 0, m.start()) + 1


def split_keywords(args, keywords):
    """Splits a call's arguments by keyword: {keyword: [(arg, line)]}; '' for the leading ones."""
    groups = {"": []}
    current = ""
    for arg, line in args:
        if arg in keywords:
            current = arg
            groups.setdefault(current, [])
        else:
            groups[current].append((arg, line))
    return groups


def module_name(root_dir: str, folder: str) -> str:
    return folder if root_dir == "hub" else f"adapters/{folder}"


def load_modules(root: Path) -> tuple[dict[str, Module], dict[str, Target]]:
    """Parses hub/*/CMakeLists.txt and adapters/*/CMakeLists.txt."""
    modules: dict[str, Module] = {}
    targets: dict[str, Target] = {}   # by alias and by name
    for root_dir in MODULE_ROOTS:
        base = root / root_dir
        if not base.is_dir():
            continue
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            cmake = folder / "CMakeLists.txt"
            if not cmake.is_file():
                continue
            rel_cmake = cmake.relative_to(root).as_posix()
            mod = Module(module_name(root_dir, folder.name), f"{root_dir}/{folder.name}", root_dir)
            for command, args, line in cmake_calls(cmake.read_text(encoding="utf-8"), rel_cmake):
                if not args:
                    raise CMakeError(f"{rel_cmake}:{line}: {command}() without arguments")
                name = args[0][0]
                if command in ("docaxis_library", "docaxis_executable"):
                    groups = split_keywords(args[1:], {"SOURCES", "DEPS", "PRIVATE_DEPS"})
                    if command == "docaxis_library":
                        t = Target(f"docaxis_{name}", f"docaxis::{name}", mod.name, rel_cmake, line)
                    else:
                        t = Target(name, name, mod.name, rel_cmake, line)
                    t.sources = [f"{mod.folder}/{s}" for s, _ in groups.get("SOURCES", [])
                                 if "$" not in s]
                    t.deps = groups.get("DEPS", []) + groups.get("PRIVATE_DEPS", [])
                elif command == "add_library" and name.startswith("docaxis_"):
                    rest = [a for a, _ in args[1:]]
                    if "ALIAS" in rest:
                        continue
                    short = name[len("docaxis_"):]
                    t = Target(name, f"docaxis::{short}", mod.name, rel_cmake, line)
                    t.sources = [f"{mod.folder}/{s}" for s in rest
                                 if Path(s).suffix in SOURCE_SUFFIXES]
                elif command == "target_link_libraries":
                    owner = targets.get(name)
                    if owner is None or owner.module != mod.name:
                        raise CMakeError(f"{rel_cmake}:{line}: target_link_libraries({name}) "
                                         f"names no target defined before it in this folder")
                    owner.deps += [(a, ln) for a, ln in args[1:]
                                   if a not in ("PUBLIC", "PRIVATE", "INTERFACE")]
                    continue
                else:
                    continue
                mod.targets.append(t)
                targets[t.name] = t
                targets[t.alias] = t
            if mod.targets:
                modules[mod.name] = mod
    return modules, targets


def module_of_include(root: Path, modules: dict[str, Module], including_root: str,
                      inc: str, quoted: bool) -> Module | None:
    """The module an include path names, or None (third party, or no folder prefix)."""
    if "/" not in inc:
        return None
    first = inc.split("/", 1)[0]
    # The including file's own include root first (hub/ for hub code; an adapter sees both).
    order = [including_root] + [r for r in MODULE_ROOTS if r != including_root]
    by_folder = {m.folder: m for m in modules.values()}
    for root_dir in order:
        m = by_folder.get(f"{root_dir}/{first}")
        if m is not None and (root / root_dir / inc).is_file():
            return m
    if quoted:
        # A generated file (store/migrations_sql.inc): go by the folder name alone.
        for root_dir in order:
            m = by_folder.get(f"{root_dir}/{first}")
            if m is not None:
                return m
    return None


def scan_includes(path: Path):
    """Yields (line number, include path, quoted?)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for n, line in enumerate(text.split("\n"), 1):
        m = INCLUDE_RE.match(line)
        if m:
            yield n, (m.group(1) or m.group(2)), m.group(1) is not None


def parse_edges(spec: str, where: str) -> set[tuple[str, str]]:
    """`engine:amqp,delivery:amqp` -> {("engine", "amqp"), ("delivery", "amqp")}."""
    edges = set()
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        parts = [x.strip() for x in item.split(":")]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"{where}: bad edge '{item}' (expected FROM:TO, e.g. engine:amqp)")
        edges.add((parts[0], parts[1]))
    return edges


@dataclass
class Rules:
    forbid: dict[tuple[str, str], str] = field(default_factory=dict)   # edge -> where declared
    known: dict[tuple[str, str], str] = field(default_factory=dict)    # edge -> "file:line"


def load_rules(path: Path, display: str, rules: Rules) -> None:
    if not path.is_file():
        return
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        where = f"{display}:{n}"
        if words[0] not in ("forbid", "known") or len(words) < 2:
            raise ValueError(f"{where}: expected 'forbid FROM:TO' or 'known FROM:TO reason'")
        if words[0] == "known" and len(words) < 3:
            raise ValueError(f"{where}: a known violation needs a reason after the edge")
        for edge in parse_edges(words[1], where):
            (rules.forbid if words[0] == "forbid" else rules.known)[edge] = where


def dep_modules(target: Target, targets: dict[str, Target]) -> set[str]:
    return {targets[d].module for d, _ in target.deps if d in targets}


def check(root: Path, rules: Rules):
    """Returns (problems, notes, graph): problems and notes as sorted (file, line, message);
    graph as {module: set of modules it includes}."""
    modules, targets = load_modules(root)
    problems: list[tuple[str, int, str]] = []
    notes: list[tuple[str, int, str]] = []
    known_seen: set[tuple[str, str]] = set()
    graph: dict[str, set[str]] = {name: set() for name in modules}

    for edge, where in {**rules.forbid, **rules.known}.items():
        for end in edge:
            if end not in modules:
                raise ValueError(f"{where}: no module '{end}' (modules: {' '.join(sorted(modules))})")

    for name in sorted(modules):
        mod = modules[name]
        owner_of: dict[str, Target] = {}
        for t in mod.targets:
            for s in t.sources:
                owner_of.setdefault(s, t)
        folder_deps: set[str] = set()
        for t in mod.targets:
            folder_deps |= dep_modules(t, targets)
        several = len(mod.targets) > 1

        # Declared edges that are forbidden.
        for t in mod.targets:
            for d, line in t.deps:
                if d in targets and (name, targets[d].module) in rules.forbid:
                    problems.append((t.cmake_file, line,
                                     f"module '{name}' DEPS name {d}: the edge {name} -> "
                                     f"{targets[d].module} is forbidden "
                                     f"({rules.forbid[(name, targets[d].module)]})"))

        for dirpath, dirnames, files in os.walk(root / mod.folder):
            dirnames.sort()
            for fname in sorted(files):
                path = Path(dirpath) / fname
                if path.suffix not in SOURCE_SUFFIXES:
                    continue
                rel = path.relative_to(root).as_posix()
                owner = owner_of.get(rel)
                allowed = dep_modules(owner, targets) if owner else folder_deps
                who = f"module '{name}'"
                if several and owner:
                    who += f" (target {owner.alias})"
                for line, inc, quoted in scan_includes(path):
                    dest = module_of_include(root, modules, mod.include_root, inc, quoted)
                    if dest is None or dest.name == name:
                        continue
                    edge = (name, dest.name)
                    graph[name].add(dest.name)
                    if edge in rules.forbid:
                        problems.append((rel, line, f"{who} includes '{inc}': the edge "
                                                    f"{name} -> {dest.name} is forbidden "
                                                    f"({rules.forbid[edge]})"))
                        continue
                    if dest.name in EXEMPT_MODULES or dest.name in allowed:
                        continue
                    message = (f"{who} includes '{inc}' but its DEPS do not name "
                               f"{' or '.join(t.alias for t in dest.targets)}")
                    if edge in rules.known:
                        known_seen.add(edge)
                        notes.append((rel, line, f"known ({rules.known[edge]}): {message}"))
                    else:
                        problems.append((rel, line, message))

    for edge, where in sorted(rules.known.items()):
        if edge not in known_seen and edge not in rules.forbid:
            file, line = where.rsplit(":", 1)
            problems.append((file, int(line), f"stale rule: the known violation {edge[0]} -> "
                                              f"{edge[1]} is gone; delete this line"))
    problems.sort(key=lambda p: (p[0], p[1], p[2]))
    notes.sort(key=lambda p: (p[0], p[1], p[2]))
    return problems, notes, graph


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=str(Path(__file__).resolve().parent.parent),
                    help="the source tree (default: this script's repository)")
    ap.add_argument("--graph", action="store_true",
                    help="print the module include graph instead of checking")
    ap.add_argument("--forbid", default="",
                    help="more forbidden edges, e.g. engine:amqp,delivery:amqp")
    ap.add_argument("--rules", default=None,
                    help=f"the rules file (default: <root>/{DEFAULT_RULES_FILE})")
    args = ap.parse_args(argv)

    root = Path(args.root)
    try:
        rules = Rules()
        if args.rules:
            load_rules(Path(args.rules), args.rules, rules)
        else:
            load_rules(root / DEFAULT_RULES_FILE, DEFAULT_RULES_FILE, rules)
        for edge in parse_edges(args.forbid, "--forbid"):
            rules.forbid[edge] = "--forbid"
        problems, notes, graph = check(root, rules)
    except (CMakeError, ValueError) as e:
        print(f"check-layering: {e}", file=sys.stderr)
        return 2
    if not graph:
        print(f"check-layering: no module CMakeLists.txt under {root}/hub or {root}/adapters",
              file=sys.stderr)
        return 2

    if args.graph:
        for name in sorted(graph):
            edges = sorted(graph[name] - EXEMPT_MODULES)
            print(f"{name} -> {' '.join(edges)}".rstrip())
        return 0
    for file, line, message in notes:
        print(f"{file}:{line}: {message}", file=sys.stderr)
    for file, line, message in problems:
        print(f"{file}:{line}: {message}")
    if problems:
        print(f"check-layering: {len(problems)} violation(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
