#!/bin/sh
echo "remote_coverage_tools is an offline stub (third_party/remote_coverage_tools): bazel coverage is not supported here" >&2
exit 1
