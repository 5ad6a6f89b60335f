-- Headless Neovim as a real LSP client of `hflint server`: open a file, wait for hflint's
-- diagnostics, apply the quick-fix for one rule, and write what happened to a JSON file.
-- Driven by tests/test_neovim.py through environment variables.
local python = os.getenv("HFLINT_PYTHON")
local target = os.getenv("HFLINT_FILE")
local out = os.getenv("HFLINT_OUT")
local wanted = os.getenv("HFLINT_CODE")

local function finish(result)
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qa!")
end

vim.cmd("edit " .. vim.fn.fnameescape(target))
local client_id = vim.lsp.start_client({
  name = "hflint",
  cmd = { python, "-m", "hflint", "server" },
  root_dir = vim.fn.fnamemodify(target, ":h"),
})
if not client_id then
  finish({ error = "the client did not start" })
  return
end
vim.lsp.buf_attach_client(0, client_id)

local got = vim.wait(60000, function()
  return #vim.diagnostic.get(0) > 0
end, 100)
local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local lsp = (d.user_data or {}).lsp or {}
  table.insert(diagnostics, {
    lnum = d.lnum, col = d.col, message = d.message, source = d.source,
    code = lsp.code, severity = d.severity,
  })
end
if not got then
  finish({ error = "no diagnostics arrived", diagnostics = diagnostics })
  return
end

local target_diag = nil
for _, d in ipairs(vim.diagnostic.get(0)) do
  local lsp = (d.user_data or {}).lsp or {}
  if lsp.code == wanted then
    target_diag = d
    break
  end
end
if target_diag == nil then
  finish({ error = "no diagnostic with code " .. wanted, diagnostics = diagnostics })
  return
end

local params = {
  textDocument = { uri = vim.uri_from_bufnr(0) },
  range = {
    start = { line = target_diag.lnum, character = target_diag.col },
    ["end"] = { line = target_diag.end_lnum or target_diag.lnum, character = target_diag.end_col or target_diag.col },
  },
  context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(0, target_diag.lnum) },
}
local responses = vim.lsp.buf_request_sync(0, "textDocument/codeAction", params, 20000) or {}
local titles = {}
local applied = nil
for _, response in pairs(responses) do
  for _, action in ipairs(response.result or {}) do
    table.insert(titles, action.title)
    if applied == nil and action.edit and action.kind == "quickfix" and not string.find(action.title, "Ignore") then
      vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
      applied = action.title
    end
  end
end
finish({
  diagnostics = diagnostics,
  actions = titles,
  applied = applied,
  lines = vim.api.nvim_buf_get_lines(0, 0, -1, false),
})
