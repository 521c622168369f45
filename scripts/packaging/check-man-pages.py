#!/usr/bin/env python3
"""The manual pages against the programs' --help (ctest packaging.man_pages).

    check-man-pages.py --man-dir scripts/packaging/man PROGRAM...

For each PROGRAM (docaxis-hub, docaxis, docaxis-agent, docaxis-rabbit-bridge), walks
`PROGRAM [COMMAND...] --help` through every subcommand CLI11 lists, and checks that
  - the page man-dir/<name>.1 has NAME, SYNOPSIS, DESCRIPTION, EXIT STATUS and EXAMPLES;
  - every command path (`docaxis dlq purge`) and every long option of every --help is in it;
  - every --help teaches: it names the exit codes, and the top level and every command that
    has no subcommands of its own give an example.
Prints one line per problem and exits 1 if there is any; 2 on a usage error.
"""
import argparse
import os
import re
import subprocess
import sys

OPTION = re.compile(r"--[A-Za-z0-9][A-Za-z0-9-]*")


def help_text(program, path):
    run = subprocess.run([program, *path, "--help"], capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join([program, *path])} --help exited {run.returncode}: {run.stderr}")
    return run.stdout


def section(text, title):
    """The indented lines under `title:` up to the next blank line."""
    m = re.search(rf"^{title}:\n((?:[ \t].*\n?)*)", text, re.M)
    return m.group(1).splitlines() if m else []


def walk(program, path=()):
    """(path, help text) for the program and every subcommand, depth first."""
    text = help_text(program, list(path))
    subs = [line.split()[0] for line in section(text, "Subcommands") if line.strip()]
    yield path, text, bool(subs)
    for sub in subs:
        yield from walk(program, (*path, sub))


def long_options(text):
    found = set()
    for line in section(text, "Options"):
        stripped = line.strip()
        if not stripped.startswith("-"):
            continue  # a description continued on its own line
        flags = re.split(r"\s{2,}", stripped)[0].split(" ")[0]
        found.update(OPTION.findall(flags))
    return found


def man_text(page):
    """The page's words as a reader sees them: macros, font escapes and \\- undone."""
    out = []
    for line in open(page, encoding="utf-8"):
        if line.startswith('.\\"'):
            continue
        line = re.sub(r"^\.[A-Za-z]+\s?", "", line.rstrip("\n"))
        line = re.sub(r"\\f[BIRP]", "", line)
        line = line.replace("\\-", "-").replace("\\e", "\\").replace('"', "")
        out.append(line)
    return "\n".join(out)


def check(program, man_dir):
    name = os.path.basename(program)
    page = os.path.join(man_dir, name + ".1")
    if not os.path.exists(page):
        return [f"{name}: no manual page {page}"]
    raw = open(page, encoding="utf-8").read()
    text = man_text(page)
    flat = re.sub(r"\s+", " ", text)
    problems = []
    for title in ("NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "EXAMPLES"):
        if not re.search(rf"^\.SH {title}$", raw, re.M):
            problems.append(f"{page}: no .SH {title} section")
    helps = 0
    for path, help_out, has_subcommands in walk(program):
        helps += 1
        where = " ".join([name, *path])
        if path and where not in flat:
            problems.append(f"{page}: the command '{where}' is not described")
        for option in sorted(long_options(help_out)):
            if not re.search(re.escape(option) + r"(?![A-Za-z0-9-])", text):
                problems.append(f"{page}: '{where}' option {option} is missing")
        if not re.search(r"exit codes", help_out, re.I):
            problems.append(f"'{where} --help' does not give the exit codes")
        if (not path or not has_subcommands) and not re.search(r"^Examples?:", help_out, re.M):
            problems.append(f"'{where} --help' gives no example")
    print(f"{name}: {helps} --help texts checked against {page}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--man-dir", required=True)
    parser.add_argument("programs", nargs="+")
    args = parser.parse_args()
    problems = []
    for program in args.programs:
        try:
            problems += check(program, args.man_dir)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:
            problems.append(f"{program}: {e}")
    for p in problems:
        print("FAIL", p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
