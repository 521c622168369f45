#!/usr/bin/env python3
"""Tests of scripts/check-layering.py on small fake trees in a temporary directory.

Each test writes hub/<module>/CMakeLists.txt files and sources, runs the checker as CI does
(a subprocess, --root at the fake tree) and asserts on its exit code and exact lines.
"""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

CHECKER = Path(__file__).resolve().parents[2] / "scripts" / "check-layering.py"


class FakeTree:
    def __init__(self, root: Path):
        self.root = root

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def library(self, folder: str, name: str, sources: list[str], deps: list[str] = (),
                private_deps: list[str] = ()) -> str:
        text = f"docaxis_library({name}\n  SOURCES {' '.join(sources)}\n"
        if deps:
            text += f"  DEPS {' '.join(deps)}\n"
        if private_deps:
            text += f"  PRIVATE_DEPS {' '.join(private_deps)}\n"
        return text + ")\n"

    def run(self, *args: str):
        p = subprocess.run([sys.executable, str(CHECKER), "--root", str(self.root), *args],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout.splitlines(), p.stderr


class CheckLayeringTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tree = FakeTree(Path(self._tmp.name))
        t = self.tree
        t.write("hub/common/CMakeLists.txt", """
            add_library(docaxis_common INTERFACE)  # header-only
            add_library(docaxis::common ALIAS docaxis_common)
        """)
        t.write("hub/common/status.hpp", "#pragma once\n")
        # store <- engine <- server; amqp beside them.
        t.write("hub/store/CMakeLists.txt",
                t.library("store", "store", ["store.cpp"], ["docaxis::common"]))
        t.write("hub/store/store.hpp", '#pragma once\n#include "common/status.hpp"\n')
        t.write("hub/store/store.cpp", '#include "store/store.hpp"\n')
        t.write("hub/amqp/CMakeLists.txt",
                t.library("amqp", "amqp", ["server.cpp"], ["docaxis::common"], ["Proton::cpp"]))
        t.write("hub/amqp/ports.hpp", "#pragma once\n#include <string>\n")
        t.write("hub/amqp/server.cpp", '#include "amqp/ports.hpp"\n#include <proton/container.hpp>\n')
        t.write("hub/engine/CMakeLists.txt",
                "# The engine (DEPS docaxis::amqp in a comment does not count)\n" +
                t.library("engine", "engine", ["ingest.cpp"], ["docaxis::common", "docaxis::store"]))
        t.write("hub/engine/ingest.hpp", '#pragma once\n#include "store/store.hpp"\n')
        t.write("hub/engine/ingest.cpp", '#include "engine/ingest.hpp"\n#include "common/status.hpp"\n')

    def tearDown(self):
        self._tmp.cleanup()

    def test_clean_tree_exits_zero_and_prints_nothing(self):
        code, out, err = self.tree.run()
        self.assertEqual(code, 0, err)
        self.assertEqual(out, [])

    def test_undeclared_include_is_reported_with_file_line_and_exit_one(self):
        self.tree.write("hub/engine/ingest.cpp",
                        '#include "engine/ingest.hpp"\n\n#include "amqp/ports.hpp"\n')
        code, out, _ = self.tree.run()
        self.assertEqual(code, 1)
        self.assertEqual(out, ["hub/engine/ingest.cpp:3: module 'engine' includes 'amqp/ports.hpp' "
                               "but its DEPS do not name docaxis::amqp"])

    def test_undeclared_include_in_a_header_is_reported(self):
        self.tree.write("hub/engine/ingest.hpp", '#pragma once\n#include <amqp/ports.hpp>\n')
        code, out, _ = self.tree.run()
        self.assertEqual(code, 1)
        self.assertEqual(out, ["hub/engine/ingest.hpp:2: module 'engine' includes 'amqp/ports.hpp' "
                               "but its DEPS do not name docaxis::amqp"])

    def test_private_deps_count_as_declared(self):
        t = self.tree
        t.write("hub/engine/CMakeLists.txt",
                t.library("engine", "engine", ["ingest.cpp"], ["docaxis::store"], ["docaxis::amqp"]))
        t.write("hub/engine/ingest.cpp", '#include "amqp/ports.hpp"\n')
        code, out, err = t.run()
        self.assertEqual((code, out), (0, []), err)

    def test_transitive_dependency_is_not_enough(self):
        # server links engine, engine links store: server including store/ must name it.
        t = self.tree
        t.write("hub/server/CMakeLists.txt",
                "docaxis_executable(docaxis-hub SOURCES main.cpp DEPS docaxis::engine)\n")
        t.write("hub/server/main.cpp", '#include "engine/ingest.hpp"\n#include "store/store.hpp"\n')
        code, out, _ = t.run()
        self.assertEqual(code, 1)
        self.assertEqual(out, ["hub/server/main.cpp:2: module 'server' includes 'store/store.hpp' "
                               "but its DEPS do not name docaxis::store"])

    def test_common_may_be_included_without_being_named(self):
        t = self.tree
        t.write("hub/amqp/CMakeLists.txt", t.library("amqp", "amqp", ["server.cpp"]))
        t.write("hub/amqp/server.cpp", '#include "common/status.hpp"\n')
        code, out, err = t.run()
        self.assertEqual((code, out), (0, []), err)

    def test_target_link_libraries_adds_to_the_dependencies(self):
        t = self.tree
        t.write("hub/engine/CMakeLists.txt",
                t.library("engine", "engine", ["ingest.cpp"], ["docaxis::store"]) +
                "target_link_libraries(docaxis_engine PUBLIC docaxis::amqp)\n")
        t.write("hub/engine/ingest.cpp", '#include "amqp/ports.hpp"\n')
        code, out, err = t.run()
        self.assertEqual((code, out), (0, []), err)

    def test_each_target_of_a_folder_is_checked_with_its_own_dependencies(self):
        t = self.tree
        t.write("hub/admin/CMakeLists.txt",
                t.library("admin", "admin_client", ["client.cpp"], ["docaxis::common"]) +
                t.library("admin", "admin", ["service.cpp"], ["docaxis::admin_client", "docaxis::store"]))
        t.write("hub/admin/service.cpp", '#include "store/store.hpp"\n')
        t.write("hub/admin/client.cpp", '#include "store/store.hpp"\n')
        code, out, _ = t.run()
        self.assertEqual(code, 1)
        self.assertEqual(out, ["hub/admin/client.cpp:1: module 'admin' (target docaxis::admin_client) "
                               "includes 'store/store.hpp' but its DEPS do not name docaxis::store"])

    def test_adapter_modules_are_named_by_their_folder_under_adapters(self):
        t = self.tree
        t.write("adapters/config/CMakeLists.txt", "add_library(docaxis_adapter_config INTERFACE)\n")
        t.write("adapters/config/toml_section.hpp", "#pragma once\n")
        t.write("adapters/agent/CMakeLists.txt",
                t.library("agent", "agent_core", ["agent.cpp"], ["docaxis::common"]))
        t.write("adapters/agent/agent.cpp", '#include "config/toml_section.hpp"\n')
        code, out, _ = t.run()
        self.assertEqual(code, 1)
        self.assertEqual(out, ["adapters/agent/agent.cpp:1: module 'adapters/agent' includes "
                               "'config/toml_section.hpp' but its DEPS do not name "
                               "docaxis::adapter_config"])

    def test_forbidden_edge_fails_even_when_declared(self):
        t = self.tree
        t.write("hub/engine/CMakeLists.txt",
                t.library("engine", "engine", ["ingest.cpp"], ["docaxis::store", "docaxis::amqp"]))
        t.write("hub/engine/ingest.cpp", '#include "amqp/ports.hpp"\n')
        self.assertEqual(t.run()[0], 0)
        code, out, _ = t.run("--forbid", "engine:amqp,store:amqp")
        self.assertEqual(code, 1)
        self.assertEqual(out, [
            "hub/engine/CMakeLists.txt:3: module 'engine' DEPS name docaxis::amqp: the edge "
            "engine -> amqp is forbidden (--forbid)",
            "hub/engine/ingest.cpp:1: module 'engine' includes 'amqp/ports.hpp': the edge "
            "engine -> amqp is forbidden (--forbid)"])

    def test_forbid_rule_in_the_rules_file(self):
        t = self.tree
        t.write("scripts/layering-rules.txt", "# comment\nforbid engine:store  # not any more\n")
        code, out, _ = t.run()
        self.assertEqual(code, 1)
        self.assertIn("hub/engine/ingest.hpp:2: module 'engine' includes 'store/store.hpp': the "
                      "edge engine -> store is forbidden (scripts/layering-rules.txt:2)", out)

    def test_known_violation_is_reported_but_passes_and_fails_once_gone(self):
        t = self.tree
        t.write("scripts/layering-rules.txt", "known engine:amqp  being removed\n")
        t.write("hub/engine/ingest.cpp", '#include "amqp/ports.hpp"\n')
        code, out, err = t.run()
        self.assertEqual((code, out), (0, []))
        self.assertIn("hub/engine/ingest.cpp:1: known (scripts/layering-rules.txt:1): module "
                      "'engine' includes 'amqp/ports.hpp'", err)
        t.write("hub/engine/ingest.cpp", '#include "engine/ingest.hpp"\n')
        code, out, _ = t.run()
        self.assertEqual(code, 1)
        self.assertEqual(out, ["scripts/layering-rules.txt:1: stale rule: the known violation "
                               "engine -> amqp is gone; delete this line"])

    def test_rule_naming_an_unknown_module_is_a_usage_error(self):
        code, _, err = self.tree.run("--forbid", "engine:nosuch")
        self.assertEqual(code, 2)
        self.assertIn("no module 'nosuch'", err)

    def test_graph_lists_every_module_with_what_it_includes_except_common(self):
        t = self.tree
        t.write("hub/engine/ingest.cpp", '#include "amqp/ports.hpp"\n#include "common/status.hpp"\n')
        code, out, _ = t.run("--graph")
        self.assertEqual(code, 0)
        self.assertEqual(out, ["amqp ->", "common ->", "engine -> amqp store", "store ->"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
