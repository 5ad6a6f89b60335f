// End to end in a real VS Code: code-server (VS Code in the browser) with the .vsix installed,
// driven in headless Chromium. It opens a script with a known mistake, waits for hflint's
// finding in the Problems panel, applies the quick-fix and checks the file on disk.
//
// Environment: CODE_SERVER (the code-server executable), CHROMIUM (the browser), VSIX (the
// package to install), HFLINT_PYTHON (an interpreter with hflint installed), E2E_OUT (where
// the screenshots and the result go). Prints one JSON line: {"ok": true, ...} or the failure.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};

// A tiny local checkpoint for "Validate model at cursor": its config is all a validation needs.
const TINY_BART = {
  model_type: "bart",
  architectures: ["BartForConditionalGeneration"],
  d_model: 16,
  encoder_layers: 1,
  decoder_layers: 1,
  encoder_attention_heads: 2,
  decoder_attention_heads: 2,
  encoder_ffn_dim: 32,
  decoder_ffn_dim: 32,
  vocab_size: 100,
  max_position_embeddings: 64,
};

const script = (tiny) => `from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")
small = AutoModelForSeq2SeqLM.from_pretrained("${tiny}")
`;

async function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, deadline) {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status < 500) {
        return;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer at ${url}`);
}

async function main() {
  const codeServer = env("CODE_SERVER");
  const out = env("E2E_OUT");
  fs.mkdirSync(out, { recursive: true });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "hflint-vscode-"));
  const userData = path.join(home, "user-data");
  const extensions = path.join(home, "extensions");
  const workspace = path.join(home, "project");
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  fs.mkdirSync(workspace, { recursive: true });
  const target = path.join(workspace, "summarize.py");
  const tiny = path.join(workspace, "tiny-bart");
  fs.mkdirSync(tiny);
  fs.writeFileSync(path.join(tiny, "config.json"), JSON.stringify(TINY_BART));
  const BROKEN = script(tiny);
  fs.writeFileSync(target, BROKEN);
  // "missing": the interpreter set for hflint does not have it, and the user must be told
  const scenario = process.env.E2E_SCENARIO ?? "fix";
  const noHflint = path.join(home, "python-without-hflint");
  fs.writeFileSync(noHflint, "#!/bin/sh\nexit 1\n", { mode: 0o755 });
  fs.writeFileSync(
    path.join(userData, "User", "settings.json"),
    JSON.stringify({
      "hflint.interpreter": scenario === "missing" ? noHflint : env("HFLINT_PYTHON"),
      "security.workspace.trust.enabled": false,
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "extensions.ignoreRecommendations": true,
      "telemetry.telemetryLevel": "off",
      "update.mode": "none",
      "editor.codeLens": true,
    }),
  );
  const common = ["--user-data-dir", userData, "--extensions-dir", extensions];
  const install = spawnSync(codeServer, [...common, "--install-extension", env("VSIX")], {
    encoding: "utf8",
    timeout: 120000,
  });
  if (install.status !== 0) {
    throw new Error(`installing the .vsix failed: ${install.stdout}\n${install.stderr}`);
  }
  const port = await freePort();
  const serverLog = fs.openSync(path.join(out, "code-server.log"), "w");
  const server = spawn(
    codeServer,
    [
      ...common,
      "--auth",
      "none",
      "--bind-addr",
      `127.0.0.1:${port}`,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      workspace,
    ],
    { stdio: ["ignore", serverLog, serverLog], env: { ...process.env, HF_HUB_OFFLINE: "1" } },
  );
  const browser = await chromium.launch({
    executablePath: env("CHROMIUM"),
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const result = { ok: false };
  try {
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, Date.now() + 60000);
    await page.goto(url);
    await page.waitForSelector(".monaco-workbench", { timeout: 60000 });
    // open the file through Quick Open
    await page.keyboard.press("Control+P");
    await page.waitForSelector(".quick-input-widget input", { timeout: 30000 });
    await page.keyboard.type("summarize.py");
    await page.waitForSelector(".quick-input-list .monaco-list-row", { timeout: 30000 });
    await page.keyboard.press("Enter");
    await page.waitForSelector(".monaco-editor .view-lines", { timeout: 30000 });
    if (scenario === "missing") {
      const toast = page.locator(".notification-toast", { hasText: "hflint is not installed in" });
      await toast.first().waitFor({ timeout: 60000 });
      result.message = await toast.first().innerText();
      result.statusBar = await page
        .locator(".statusbar-item", { hasText: "hflint" })
        .first()
        .getAttribute("aria-label", { timeout: 30000 })
        .catch(() => "");
      await page.screenshot({ path: path.join(out, "missing.png") });
      result.ok = true;
    } else {
      // the Problems panel lists hflint's finding
      await page.keyboard.press("Control+Shift+M");
      const problem = page.locator(".markers-panel .monaco-list-row", { hasText: "HF102" });
      await problem.first().waitFor({ timeout: 90000 });
      result.problems = await page.locator(".markers-panel .monaco-list-row").allInnerTexts();
      result.statusBar = await page
        .locator(".statusbar-item", { hasText: "hflint" })
        .first()
        .innerText({ timeout: 30000 })
        .catch(() => "");
      const lens = page.locator(".codelens-decoration", { hasText: "encoder-decoder" });
      await lens.first().waitFor({ timeout: 60000 });
      result.codeLenses = await page.locator(".codelens-decoration").allInnerTexts();
      await page.screenshot({ path: path.join(out, "problems.png") });
      // the quick fix: from the problem, the light bulb's first fix, then save
      await problem.first().click();
      await page.keyboard.press("Enter"); // opens the problem with the editor focused
      await page.waitForSelector(".monaco-editor.focused", { timeout: 30000 });
      await page.keyboard.press("Control+.");
      const fix = page.locator(".action-widget .monaco-list-row", { hasText: "AutoModelForSeq2SeqLM" });
      await fix.first().waitFor({ timeout: 30000 });
      result.fixTitle = await fix.first().innerText();
      await page.screenshot({ path: path.join(out, "quick-fix.png") });
      // the menu owns the pointer: choose with the keyboard
      const focused = page.locator(".action-widget .monaco-list-row.focused");
      for (let i = 0; i < 10 && !(await focused.innerText()).includes("AutoModelForSeq2SeqLM"); i++) {
        await page.keyboard.press("ArrowDown");
      }
      await page.keyboard.press("Enter");
      await page.keyboard.press("Control+S");
      const deadline = Date.now() + 30000;
      while (Date.now() < deadline && fs.readFileSync(target, "utf8") === BROKEN) {
        await new Promise((r) => setTimeout(r, 200));
      }
      result.fixed = fs.readFileSync(target, "utf8");
      await page.screenshot({ path: path.join(out, "fixed.png") });
      // "hflint: Validate model at cursor" on the tiny checkpoint's line: a notification shows
      // the validation running, then its summary
      await page.keyboard.press("Control+G");
      await page.keyboard.type("4");
      await page.keyboard.press("Enter");
      await page.keyboard.press("F1");
      await page.waitForSelector(".quick-input-widget input", { timeout: 30000 });
      await page.keyboard.type("hflint: Validate model at cursor");
      await page
        .locator(".quick-input-list .monaco-list-row", { hasText: "Validate model at cursor" })
        .first()
        .waitFor({ timeout: 30000 });
      await page.keyboard.press("Enter");
      const running = page.locator(".notification-toast", { hasText: "hflint: validating" });
      await running.first().waitFor({ timeout: 30000 });
      result.validating = await running.first().innerText();
      const done = page.locator(".notification-toast", { hasText: "BartForConditionalGeneration" });
      await done.first().waitFor({ timeout: 180000 });
      result.validated = await done.first().innerText();
      await page.screenshot({ path: path.join(out, "validated.png") });
      result.ok = result.fixed.includes("AutoModelForSeq2SeqLM.from_pretrained");
    }
  } catch (error) {
    result.error = String(error && error.stack ? error.stack : error);
    await page.screenshot({ path: path.join(out, "failure.png") }).catch(() => undefined);
  } finally {
    await browser.close();
    server.kill();
    fs.rmSync(home, { recursive: true, force: true, maxRetries: 3 });
  }
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}

main().catch((error) => {
  console.log(JSON.stringify({ ok: false, error: String(error && error.stack ? error.stack : error) }));
  process.exit(1);
});
