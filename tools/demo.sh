#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: build, boot the test VM and show qnet at work
# (the guest half is tools/demo-guest.sh).
set -euo pipefail

usage() {
	cat <<USAGE
Usage: tools/demo.sh [--no-build] [VM-RUN-OPTION...]

Build everything (make all), then boot the test VM (tools/vm-run) and run
tools/demo-guest.sh in it: load qnet, build alice - repeater - bob with
tools/qnet-topo, run qping and qkd across it, show the counters, then
start two key managers (qnet-kmd) on a short link and take keys from both
with tools/qkd-consumer.sh, unload. Extra options go to tools/vm-run
(e.g. --console).

  --no-build  use what is already built
  -h, --help  this text
USAGE
}

top=$(cd "$(dirname "$0")/.." && pwd)
build=1
vm_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-build) build=0 ;;
	-h|--help) usage; exit 0 ;;
	*) vm_args+=("$1") ;;
	esac
	shift
done

cd "$top"
if [ "$build" = 1 ]; then
	echo "demo: building (make all)"
	make -s all >/dev/null || { echo "demo: build failed (run make all to see why)" >&2; exit 1; }
fi
echo "demo: booting the test VM (about 10 s under TCG)"
exec tools/vm-run "${vm_args[@]}" -- tools/demo-guest.sh
