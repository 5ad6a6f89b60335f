import assert from "node:assert/strict";
import { test } from "node:test";

import { Choices, Probe, isFailure, resolveServer } from "../src/serverCommand";

function probe(files: string[], withHflint: string[], onPath?: string): Probe {
  return {
    exists: (p) => files.includes(p),
    hasHflint: (python) => withHflint.includes(python),
    which: () => onPath,
  };
}

const none: Choices = { paths: [], interpreter: "", trusted: true };

test("hflint.path wins, and its first existing entry is used", () => {
  const found = resolveServer(
    { ...none, paths: ["/gone/hflint", "/opt/hflint"], interpreter: "/usr/bin/python3" },
    probe(["/opt/hflint"], ["/usr/bin/python3"], "/usr/local/bin/hflint"),
  );
  assert.deepEqual(found, {
    command: "/opt/hflint",
    args: ["server"],
    source: "the hflint.path setting",
    projectPython: "/usr/bin/python3",
  });
});

test("a server on PATH reads the transformers of the Python extension's interpreter", () => {
  const found = resolveServer(
    { ...none, pythonExtension: "/ws/.venv/bin/python" },
    probe([], [], "/usr/local/bin/hflint"),
  );
  assert.ok(!isFailure(found));
  assert.equal(found.command, "/usr/local/bin/hflint");
  assert.equal(found.projectPython, "/ws/.venv/bin/python");
});

test("an untrusted workspace's interpreter is not passed to a server on PATH", () => {
  const found = resolveServer(
    { ...none, pythonExtension: "/ws/.venv/bin/python", trusted: false },
    probe([], [], "/usr/local/bin/hflint"),
  );
  assert.ok(!isFailure(found));
  assert.equal(found.projectPython, undefined);
});

test("a hflint.path that does not exist is an error, not a silent fallback", () => {
  const found = resolveServer({ ...none, paths: ["/gone/hflint"] }, probe([], [], "/usr/local/bin/hflint"));
  assert.ok(isFailure(found));
  assert.match(found.message, /hflint\.path/);
  assert.match(found.message, /\/gone\/hflint/);
});

test("the hflint.interpreter setting runs the module in that interpreter", () => {
  const found = resolveServer(
    { ...none, interpreter: "/venv/bin/python", pythonExtension: "/other/python" },
    probe([], ["/venv/bin/python", "/other/python"]),
  );
  assert.deepEqual(found, {
    command: "/venv/bin/python",
    args: ["-m", "hflint", "server"],
    source: "the hflint.interpreter setting",
  });
});

test("an interpreter without hflint says how to install it there", () => {
  const found = resolveServer({ ...none, interpreter: "/venv/bin/python" }, probe([], [], "/bin/hflint"));
  assert.ok(isFailure(found));
  assert.equal(found.install, '"/venv/bin/python" -m pip install /path/to/hflint');
});

test("the Python extension's interpreter comes before hflint on PATH", () => {
  const found = resolveServer(
    { ...none, pythonExtension: "/ws/.venv/bin/python" },
    probe([], ["/ws/.venv/bin/python"], "/usr/local/bin/hflint"),
  );
  assert.ok(!isFailure(found));
  assert.equal(found.command, "/ws/.venv/bin/python");
  assert.equal(found.source, "the Python extension's interpreter");
});

test("an untrusted workspace's interpreter is never run", () => {
  const choices = { ...none, pythonExtension: "/ws/.venv/bin/python", trusted: false };
  const found = resolveServer(choices, probe([], ["/ws/.venv/bin/python"], "/usr/local/bin/hflint"));
  assert.deepEqual(found, { command: "/usr/local/bin/hflint", args: ["server"], source: "hflint on PATH" });
  const nothing = resolveServer(choices, probe([], ["/ws/.venv/bin/python"]));
  assert.ok(isFailure(nothing));
  assert.match(nothing.message, /not trusted/);
});

test("without hflint in the interpreter, hflint on PATH is used", () => {
  const found = resolveServer({ ...none, pythonExtension: "/py" }, probe([], [], "/usr/local/bin/hflint"));
  assert.ok(!isFailure(found));
  assert.equal(found.command, "/usr/local/bin/hflint");
});

test("nothing found: the message names the interpreter and the install command", () => {
  const found = resolveServer({ ...none, pythonExtension: "/py" }, probe([], []));
  assert.ok(isFailure(found));
  assert.match(found.message, /\/py/);
  assert.equal(found.install, '"/py" -m pip install /path/to/hflint');
});
