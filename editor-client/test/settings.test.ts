import assert from "node:assert/strict";
import { test } from "node:test";

import { Configuration, needsRestart, serverSettings } from "../src/settings";

function config(values: Record<string, unknown>): Configuration {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

// VS Code's defaults, as package.json contributes them
const defaults = {
  path: [],
  interpreter: "",
  select: null,
  extendSelect: [],
  ignore: [],
  severity: {},
  online: null,
  targetVersion: null,
  trustRemoteCode: false,
  "validation.timeoutSeconds": null,
  "validation.memoryMb": null,
  "validation.interpreter": "",
};

test("defaults send nothing but the remote-code switch: pyproject.toml decides the rest", () => {
  assert.deepEqual(serverSettings(config(defaults)), { trustRemoteCode: false });
});

test("every setting maps to the key the server reads", () => {
  const settings = serverSettings(
    config({
      ...defaults,
      select: ["HF1", "HF3"],
      extendSelect: ["HF9"],
      ignore: ["HF902"],
      severity: { HF301: "error" },
      online: true,
      targetVersion: " 5.0 ",
      trustRemoteCode: true,
      "validation.timeoutSeconds": 90,
      "validation.memoryMb": 4096,
      "validation.interpreter": "/venv/bin/python",
    }),
  );
  assert.deepEqual(settings, {
    select: ["HF1", "HF3"],
    extendSelect: ["HF9"],
    ignore: ["HF902"],
    severity: { HF301: "error" },
    online: true,
    targetVersion: "5.0",
    trustRemoteCode: true,
    validation: { timeoutSeconds: 90, memoryMb: 4096, interpreter: "/venv/bin/python" },
  });
});

test("an empty select is sent (it turns every rule off), a null one is not", () => {
  assert.deepEqual(serverSettings(config({ ...defaults, select: [] })).select, []);
  assert.equal("select" in serverSettings(config(defaults)), false);
});

test("online false is sent: it overrides a pyproject.toml that turns it on", () => {
  assert.equal(serverSettings(config({ ...defaults, online: false })).online, false);
});

test("out-of-range validation limits are left to the server's defaults", () => {
  const settings = serverSettings(
    config({ ...defaults, "validation.timeoutSeconds": 0, "validation.memoryMb": 1.5 }),
  );
  assert.equal("validation" in settings, false);
});

test("only a change of the server's path or interpreter restarts it", () => {
  assert.equal(needsRestart((key) => key === "interpreter"), true);
  assert.equal(needsRestart((key) => key === "path"), true);
  assert.equal(needsRestart((key) => key === "ignore"), false);
});
