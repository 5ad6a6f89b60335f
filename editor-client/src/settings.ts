// The VS Code settings as the server reads them (server/lsp_settings.py): only what is set is
// sent, so pyproject.toml's `[tool.hflint]` and the server's defaults apply to the rest.
// Free of the `vscode` module: unit-tested without an editor.

export interface Configuration {
  get<T>(key: string): T | undefined;
}

export type ServerSettings = Record<string, unknown>;

/** Settings that change which server runs: a change restarts it rather than forwarding. */
export const RESTART_KEYS = ["path", "interpreter"];

export function serverSettings(config: Configuration): ServerSettings {
  const out: ServerSettings = {};
  const select = config.get<string[] | null>("select");
  if (Array.isArray(select)) {
    out.select = select;
  }
  for (const key of ["extendSelect", "ignore"]) {
    const value = config.get<string[]>(key);
    if (Array.isArray(value) && value.length > 0) {
      out[key] = value;
    }
  }
  const severity = config.get<Record<string, string>>("severity");
  if (severity && typeof severity === "object" && Object.keys(severity).length > 0) {
    out.severity = severity;
  }
  const online = config.get<boolean | null>("online");
  if (typeof online === "boolean") {
    out.online = online;
  }
  const target = config.get<string | null>("targetVersion");
  if (typeof target === "string" && target.trim() !== "") {
    out.targetVersion = target.trim();
  }
  out.trustRemoteCode = config.get<boolean>("trustRemoteCode") === true;
  const validation: ServerSettings = {};
  const timeout = config.get<number | null>("validation.timeoutSeconds");
  if (typeof timeout === "number" && timeout > 0) {
    validation.timeoutSeconds = timeout;
  }
  const memory = config.get<number | null>("validation.memoryMb");
  if (typeof memory === "number" && Number.isInteger(memory) && memory > 0) {
    validation.memoryMb = memory;
  }
  const interpreter = config.get<string>("validation.interpreter");
  if (typeof interpreter === "string" && interpreter.trim() !== "") {
    validation.interpreter = interpreter.trim();
  }
  if (Object.keys(validation).length > 0) {
    out.validation = validation;
  }
  return out;
}

/** Whether a settings change (by key under `hflint.`) needs a restart of the server. */
export function needsRestart(changed: (key: string) => boolean): boolean {
  return RESTART_KEYS.some((key) => changed(key));
}
