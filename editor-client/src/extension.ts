// The hflint extension: a thin client. It finds and starts `hflint server`, forwards the
// settings, and adds commands and a status bar item; all analysis happens in the server.

import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  WorkDoneProgressReport,
} from "vscode-languageclient/node";

import { CLONE, Choices, Probe, ServerCommand, isFailure, resolveServer } from "./serverCommand";
import { needsRestart, serverSettings } from "./settings";

const SECTION = "hflint";
const VALIDATE = "hflint.validate";

let client: LanguageClient | undefined;
let log: vscode.LogOutputChannel;
let status: vscode.StatusBarItem;
let starting: Promise<void> | undefined;
// The notification of the validation running now: the server's progress steps go into it.
let validationProgress: vscode.Progress<{ message?: string }> | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  log = vscode.window.createOutputChannel("hflint", { log: true });
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 90);
  status.command = "hflint.showLogs";
  status.name = "hflint";
  context.subscriptions.push(log, status);
  context.subscriptions.push(
    vscode.commands.registerCommand("hflint.restart", () => restart()),
    vscode.commands.registerCommand("hflint.showLogs", () => log.show()),
    vscode.commands.registerCommand("hflint.fixAll", () => fixAll()),
    vscode.commands.registerCommand("hflint.validateAtCursor", () => validateAtCursor()),
    vscode.workspace.onDidChangeConfiguration((event) => configurationChanged(event)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => restart()),
  );
  watchPythonInterpreter(context);
  await restart();
}

export async function deactivate(): Promise<void> {
  await stop();
}

// ---- starting and stopping ------------------------------------------------------------------
async function restart(): Promise<void> {
  if (starting !== undefined) {
    await starting.catch(() => undefined);
  }
  starting = (async () => {
    await stop();
    await start();
  })();
  return starting;
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    try {
      await running.stop(5000);
    } catch (error) {
      log.warn(`hflint: stopping the server: ${String(error)}`);
    }
  }
}

async function start(): Promise<void> {
  showStatus("$(sync~spin) hflint", "Starting the hflint server");
  const found = resolveServer(await choices(), nodeProbe);
  if (isFailure(found)) {
    showStatus("$(error) hflint", found.message);
    log.error(found.message);
    void explainFailure(found.message, found.install); // not awaited: a restart must not wait for a click
    return;
  }
  log.info(`Starting ${found.command} ${found.args.join(" ")} (${found.source})`);
  const started = newClient(found);
  client = started;
  started.onDidChangeState((event) => {
    if (event.newState === State.Stopped && client === started) {
      showStatus("$(error) hflint", "The hflint server stopped; see the logs");
    }
  });
  try {
    await started.start();
  } catch (error) {
    const message = `The hflint server did not start (${found.command} ${found.args.join(" ")}): ${String(error)}`;
    log.error(message);
    showStatus("$(error) hflint", message);
    void explainFailure(message, `python -m pip install ${CLONE}`);
    return;
  }
  await showServerStatus(started, found);
}

function newClient(found: ServerCommand): LanguageClient {
  const serverOptions: ServerOptions = {
    command: found.command,
    args: found.args,
    options: {
      cwd: workspaceFolder(),
      // The server runs apart from the project: it reads the project interpreter's transformers.
      env: found.projectPython ? { ...process.env, HFLINT_PYTHON: found.projectPython } : undefined,
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
      { notebook: "*", language: "python" },
    ],
    outputChannel: log,
    initializationOptions: { settings: currentSettings() },
    middleware: {
      workspace: {
        // The server asks for section "hflint": answer with the settings it reads.
        configuration: (params, token, next) => {
          if (params.items.every((item) => item.section === SECTION)) {
            return params.items.map(() => currentSettings());
          }
          return next(params, token);
        },
      },
      // Validations (from a code action or a code lens) show in the notification area, where
      // they can be cancelled; the server's progress steps are the notification's messages.
      executeCommand: (command, args, next) => {
        if (command !== VALIDATE) {
          return next(command, args);
        }
        const what = args?.[0]?.checkpoint ?? "the model";
        return vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: `hflint: validating ${what}`,
            cancellable: true,
          },
          async (progress, token) => {
            validationProgress = progress;
            const cancelled = token.onCancellationRequested(() =>
              log.info(`Validation of ${what} cancelled`),
            );
            try {
              return await client?.sendRequest(
                "workspace/executeCommand",
                { command, arguments: args },
                token,
              );
            } finally {
              cancelled.dispose();
              validationProgress = undefined;
            }
          },
        );
      },
      handleWorkDoneProgress: (token, params, next) => {
        const message = (params as WorkDoneProgressReport).message;
        if (validationProgress !== undefined && message) {
          validationProgress.report({ message });
        }
        next(token, params);
      },
    },
  };
  return new LanguageClient("hflint", "hflint", serverOptions, clientOptions);
}

async function showServerStatus(started: LanguageClient, found: ServerCommand): Promise<void> {
  try {
    const answer = await started.sendRequest<{
      hflint: string;
      transformers: string | null;
      transformersFrom: string | null;
      python: string;
    }>("hflint/status", {});
    const rules = answer.transformers
      ? `transformers ${answer.transformers}`
      : "no transformers installed";
    showStatus(
      `$(check) hflint · ${rules}`,
      `hflint ${answer.hflint}: the rules speak for ${rules}${answer.transformersFrom ? ` (from ${answer.transformersFrom})` : ""}.\nServer: ${found.command} ${found.args.join(" ")} (${found.source})\nPython: ${answer.python}`,
    );
  } catch (error) {
    showStatus("$(check) hflint", `hflint server running (${found.source})`);
    log.warn(`hflint/status: ${String(error)}`);
  }
}

function showStatus(text: string, tooltip: string): void {
  status.text = text;
  status.tooltip = tooltip;
  status.show();
}

async function explainFailure(message: string, install: string): Promise<void> {
  const open = "Open Settings";
  const copy = "Copy Install Command";
  const chosen = await vscode.window.showErrorMessage(`hflint: ${message}`, open, copy);
  if (chosen === open) {
    await vscode.commands.executeCommand("workbench.action.openSettings", "hflint.");
  } else if (chosen === copy) {
    await vscode.env.clipboard.writeText(install);
    vscode.window.showInformationMessage(`Copied: ${install}`);
  }
}

// ---- where the server comes from ------------------------------------------------------------
async function choices(): Promise<Choices> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const trusted = vscode.workspace.isTrusted;
  return {
    paths: asList(config.get<string[] | string>("path")),
    interpreter: config.get<string>("interpreter") ?? "",
    pythonExtension: trusted ? await pythonExtensionInterpreter() : undefined,
    trusted,
  };
}

function asList(value: string[] | string | undefined): string[] {
  if (typeof value === "string") {
    return value === "" ? [] : [value];
  }
  return Array.isArray(value) ? value : [];
}

type PythonApi = Awaited<ReturnType<typeof import("@vscode/python-extension").PythonExtension.api>>;

/** The Python extension's API, when it is installed. */
async function pythonApi(): Promise<PythonApi | undefined> {
  try {
    const { PythonExtension } = await import("@vscode/python-extension");
    return await PythonExtension.api();
  } catch {
    return undefined;
  }
}

async function pythonExtensionInterpreter(): Promise<string | undefined> {
  const api = await pythonApi();
  if (api === undefined) {
    return undefined;
  }
  try {
    const active = api.environments.getActiveEnvironmentPath(workspaceUri());
    const resolved = await api.environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath;
  } catch {
    return undefined; // an environment it cannot resolve
  }
}

function watchPythonInterpreter(context: vscode.ExtensionContext): void {
  void pythonApi().then((api) => {
    if (api === undefined) {
      return; // no Python extension: nothing to follow
    }
    context.subscriptions.push(
      api.environments.onDidChangeActiveEnvironmentPath(() => {
        log.info("The selected Python interpreter changed: restarting the server");
        void restart();
      }),
    );
  });
}

const nodeProbe: Probe = {
  exists: (file) => fs.existsSync(file),
  hasHflint: (python) => {
    const run = childProcess.spawnSync(python, ["-c", "import hflint"], { timeout: 15000 });
    return run.status === 0;
  },
  which: (name) => {
    const names = process.platform === "win32" ? [`${name}.exe`, `${name}.cmd`] : [name];
    for (const folder of (process.env.PATH ?? "").split(path.delimiter)) {
      for (const candidate of names) {
        const full = path.join(folder, candidate);
        if (folder !== "" && fs.existsSync(full)) {
          return full;
        }
      }
    }
    return undefined;
  },
};

function workspaceUri(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

function workspaceFolder(): string | undefined {
  const uri = workspaceUri();
  return uri?.scheme === "file" ? uri.fsPath : undefined;
}

// ---- settings -------------------------------------------------------------------------------
function currentSettings(): Record<string, unknown> {
  return serverSettings(vscode.workspace.getConfiguration(SECTION));
}

function configurationChanged(event: vscode.ConfigurationChangeEvent): void {
  if (!event.affectsConfiguration(SECTION)) {
    return;
  }
  if (needsRestart((key) => event.affectsConfiguration(`${SECTION}.${key}`))) {
    void restart();
    return;
  }
  void client?.sendNotification("workspace/didChangeConfiguration", {
    settings: { [SECTION]: currentSettings() },
  });
}

// ---- commands -------------------------------------------------------------------------------
async function fixAll(): Promise<void> {
  await vscode.commands.executeCommand("editor.action.codeAction", {
    kind: "source.fixAll.hflint",
    apply: "first",
  });
}

async function validateAtCursor(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    vscode.window.showInformationMessage("hflint: open a Python file first.");
    return;
  }
  // the loads on the cursor's line (or in the selection): the cursor need not be on the call
  const selection = editor.selection;
  const range = selection.isEmpty ? editor.document.lineAt(selection.active.line).range : selection;
  const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
    "vscode.executeCodeActionProvider",
    editor.document.uri,
    range,
  );
  const validate = (actions ?? [])
    .map((action) => ("command" in action && typeof action.command === "object" ? action.command : action))
    .find((command): command is vscode.Command => (command as vscode.Command)?.command === VALIDATE);
  if (validate === undefined) {
    vscode.window.showInformationMessage(
      "hflint: no model, tokenizer or pipeline load with a constant checkpoint on this line.",
    );
    return;
  }
  await vscode.commands.executeCommand(validate.command, ...(validate.arguments ?? []));
}
