#!/usr/bin/env bash
# Installs what the VS Code end-to-end test runs on, without downloads outside the package
# registries: Chromium, ripgrep and libkrb5-dev from Debian, code-server 4.100.3 from npm (the
# last release that accepts node 20). code-server's ripgrep package would download a binary
# from GitHub; Debian's rg is put in that package's download cache instead.
# Usage: install-code-server.sh DIR   (code-server ends up in DIR/node_modules/.bin)
set -euo pipefail
dir="${1:?usage: install-code-server.sh DIR}"
version=4.100.3
if [ -x "$dir/node_modules/.bin/code-server" ] && "$dir/node_modules/.bin/code-server" --version >/dev/null 2>&1; then
  exit 0
fi
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# @vscode/ripgrep's postinstall uses a cached download when there is one
rg_version=$(node -e "process.stdout.write(require('os').tmpdir())")/vscode-ripgrep-cache-1.15.11
mkdir -p "$rg_version/stage"
cp "$(command -v rg)" "$rg_version/stage/rg"
tar czf "$rg_version/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$rg_version/stage" rg
mkdir -p "$dir"
cd "$dir"
export npm_config_unsafe_perm=true npm_config_yes=true npm_config_fund=false npm_config_audit=false
npm install --ignore-scripts --loglevel=error "code-server@$version"
npm rebuild --loglevel=error argon2
# code-server's own postinstall (VS Code's dependencies, native modules built against node 20)
(cd node_modules/code-server \
  && npm_config_user_agent="npm/$(npm --version) node/$(node --version) linux x64 workspaces/false" \
     sh ./postinstall.sh >/dev/null)
node_modules/.bin/code-server --version
