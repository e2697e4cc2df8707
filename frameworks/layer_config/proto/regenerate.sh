#!/bin/sh
# Regenerate caffe_pb2.py from caffe.proto with the protoc bundled in grpcio-tools, installed in a
# throwaway venv (it is not a project dependency). The generated code must match the protobuf runtime
# in the project's venv: grpcio-tools 1.85.x bundles protoc 35.x, whose gencode runs on protobuf >= 7.35.
set -e
cd "$(dirname "$0")"
VENV=${PROTOC_VENV:-/tmp/protoc-venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "grpcio-tools==1.85.*"; }
"$VENV/bin/python" -m grpc_tools.protoc -I. --python_out=. caffe.proto
# a header saying where the file comes from (protoc's own header says "DO NOT EDIT")
{ printf '# Generated from caffe.proto by regenerate.sh (grpcio-tools %s); do not edit.\n' \
    "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("grpcio-tools"))')"; \
  cat caffe_pb2.py; } > caffe_pb2.py.tmp && mv caffe_pb2.py.tmp caffe_pb2.py
