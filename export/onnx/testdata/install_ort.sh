#!/bin/sh
# Installs the ONNX Runtime shared library that export/onnx/ortcheck runs
# exported models with. It comes from the onnxruntime-node npm package,
# which ships the CPU build for linux-x64; --ignore-scripts skips the
# package's optional GPU download. The result is cached under
# ${SEQCONV_ORT_CACHE:-$HOME/.cache/seqconv/ort} and the library's path is
# printed on stdout.
#
# The version must provide the C API version that the Go binding
# (github.com/yalue/onnxruntime_go in go.mod) was written against:
# onnxruntime_go v1.27.0 targets ONNX Runtime 1.24.
set -eu
version=1.24.3
cache=${SEQCONV_ORT_CACHE:-$HOME/.cache/seqconv/ort}

case "$(uname -s)-$(uname -m)" in
Linux-x86_64) ;;
*)
	echo "install_ort.sh: only linux-x64 is set up; skipping" >&2
	exit 0
	;;
esac

find_lib() {
	ls "$cache"/node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime.so.1 2>/dev/null | head -n 1
}

lib=$(find_lib)
if [ -z "$lib" ] || ! grep -q "\"version\": \"$version\"" "$cache/node_modules/onnxruntime-node/package.json" 2>/dev/null; then
	mkdir -p "$cache"
	(cd "$cache" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "onnxruntime-node@$version" >&2)
	lib=$(find_lib)
fi
if [ -z "$lib" ]; then
	echo "install_ort.sh: libonnxruntime.so.1 not found under $cache after npm install" >&2
	exit 1
fi
echo "$lib"
