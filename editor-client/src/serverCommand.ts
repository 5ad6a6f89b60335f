// Which `hflint server` to start, in the order ruff-vscode finds ruff. Kept free of the
// `vscode` module so the order is unit-tested without an editor.

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where it came from, for the log and the status bar. */
  source: string;
  /**
   * The project's interpreter, when the server runs in another one (hflint.path, hflint on
   * PATH): the server reads that interpreter's transformers (passed as HFLINT_PYTHON).
   */
  projectPython?: string;
}

/** hflint is installed from a clone (it is not on a package index): where the user keeps it. */
export const CLONE = "/path/to/hflint";

export interface Failure {
  /** What went wrong and how to fix it, in one message. */
  message: string;
  /** A command that installs hflint where it was looked for. */
  install: string;
}

export interface Choices {
  /** The `hflint.path` setting: executables, the first that exists wins. */
  paths: string[];
  /** The `hflint.interpreter` setting (empty: not set). */
  interpreter: string;
  /** The Python extension's interpreter for this workspace, if it has one. */
  pythonExtension?: string;
  /** Whether the workspace is trusted: an untrusted one's interpreter is never run. */
  trusted: boolean;
}

export interface Probe {
  exists(path: string): boolean;
  /** Whether `python -c "import hflint"` succeeds. */
  hasHflint(python: string): boolean;
  /** `name` found on PATH, if it is. */
  which(name: string): string | undefined;
}

export function resolveServer(choices: Choices, probe: Probe): ServerCommand | Failure {
  const paths = choices.paths.filter((p) => p.trim() !== "");
  if (paths.length > 0) {
    const found = paths.find((p) => probe.exists(p));
    if (found !== undefined) {
      return withProject({ command: found, args: ["server"], source: "the hflint.path setting" }, choices);
    }
    return {
      message: `None of the executables in the hflint.path setting exists (${paths.join(", ")}). Fix the setting, or clear it to use the Python interpreter.`,
      install: `python -m pip install ${CLONE}`,
    };
  }
  const interpreter = choices.interpreter.trim();
  if (interpreter !== "") {
    if (probe.hasHflint(interpreter)) {
      return moduleOf(interpreter, "the hflint.interpreter setting");
    }
    return {
      message: `hflint is not installed in ${interpreter} (the hflint.interpreter setting). Install it there, or change the setting.`,
      install: `"${interpreter}" -m pip install ${CLONE}`,
    };
  }
  let missing: string | undefined;
  if (choices.trusted && choices.pythonExtension) {
    if (probe.hasHflint(choices.pythonExtension)) {
      return moduleOf(choices.pythonExtension, "the Python extension's interpreter");
    }
    missing = choices.pythonExtension;
  }
  const onPath = probe.which("hflint");
  if (onPath !== undefined) {
    return withProject({ command: onPath, args: ["server"], source: "hflint on PATH" }, choices);
  }
  if (missing !== undefined) {
    return {
      message: `hflint is not installed in the selected interpreter (${missing}), and there is no hflint on PATH. Install it in that interpreter, so the server sees its transformers.`,
      install: `"${missing}" -m pip install ${CLONE}`,
    };
  }
  const why = choices.trusted
    ? "No Python interpreter is selected"
    : "This workspace is not trusted, so its interpreter is not used";
  return {
    message: `${why}, and there is no hflint on PATH. Install hflint, or set hflint.path or hflint.interpreter in your user settings.`,
    install: `python -m pip install ${CLONE}`,
  };
}

/** The interpreter the user chose for the project, if any (never an untrusted one). */
function withProject(command: ServerCommand, choices: Choices): ServerCommand {
  const python = choices.interpreter.trim() || (choices.trusted ? choices.pythonExtension : undefined);
  return python ? { ...command, projectPython: python } : command;
}

function moduleOf(python: string, source: string): ServerCommand {
  return { command: python, args: ["-m", "hflint", "server"], source };
}

export function isFailure(found: ServerCommand | Failure): found is Failure {
  return (found as Failure).message !== undefined;
}
