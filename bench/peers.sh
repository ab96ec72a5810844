#!/usr/bin/env bash
# Side-by-side benchmark of seqconv against PyTorch on this machine, in one
# run (see docs/bench.md). Installs Debian's python3-torch, python3-numpy and
# python3-pandas if /usr/bin/python3 lacks them, builds bench/cmd/peers and
# runs it from the repository root; every argument is passed on, e.g.
#   bench/peers.sh --threads 2 --rounds 5 --json bench.json --markdown table.md
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, numpy, pandas' 2>/dev/null; then
	echo "peers.sh: installing python3-torch python3-numpy python3-pandas" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq python3-torch python3-numpy python3-pandas >/dev/null
fi
bin=$(mktemp -d)/peers
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./bench/cmd/peers
"$bin" --python "$PY" --peer bench/peers.py "$@"
