#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build what the benchmark needs (the module and tools/bench/qnet-bench)
# and run it once in the test VM (tools/vm-run, Debian's kernel), printing
# its table. Arguments after the options go to qnet-bench (-j for JSON,
# sizes: qnet-bench -h). See Documentation/testing.rst, "Benchmarks".
set -euo pipefail

usage() {
	cat <<EOF2
Usage: tools/bench.sh [--no-build] [--timeout SECS] [-- QNET-BENCH-ARGS]
       tools/bench.sh --scale [--no-build] [--timeout SECS] [-- QNET-SCALE-ARGS]

Builds the module and tools/bench/qnet-bench (plain make), boots the VM
once and runs qnet-bench there, every process on CPU 0: a UDP-over-loopback
baseline (round trips/s, CPU per round trip), pairs/s and CPU per pair over
1 and 4 hops for requests of 1 and 1000 pairs, frames and CPU per pair of
1000-pair requests at 1, 2, 4, 8 and 16 hops (the linearity line, each
target beside its measured value), the 1000-pair requests again read
with recvmmsg() (records per call, CPU per pair), CPU per pair at success
probabilities 1e-1 and 1e-6, and the standard chain (2 to 65 nodes,
single-click 25 km links, 10 emulated seconds each): pairs, fidelity, wall
time, emulated seconds per wall second, peak memory. CPU figures are also
given as ratios to the UDP round trip of the same run.

With --scale it runs tools/bench/qnet-scale instead (a 4 GiB guest): a
1,025-node chain and a 32 x 32 grid built with tools/qnet-topo (set-up
seconds, memory per node and per link, routes per node), their idle cost
(engine events and CPU with no circuit), requests over the longest paths a
circuit may take, and 1,000 concurrent circuits over one link pair.

  --scale         the scale rows (qnet-scale -h for its arguments)
  --no-build      use what is built
  --timeout SECS  VM timeout (default 600)
  -h, --help      this text

Examples:
  tools/bench.sh                 # the table
  tools/bench.sh -- -j           # JSON
  tools/bench.sh -- -r 1 -t 2 -n 2,5,33
  tools/bench.sh --scale         # the scale rows (about 15 minutes)
  tools/bench.sh --scale -- -j   # JSON
EOF2
}

top=$(cd "$(dirname "$0")/.." && pwd)
build=1
timeout=600
scale=0
while [ $# -gt 0 ]; do
	case "$1" in
	--no-build) build=0 ;;
	--scale) scale=1 ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

cd "$top"
if [ "$build" = 1 ]; then
	make -s module >/dev/null
	make -s -C tools/bench >/dev/null
	[ "$scale" = 0 ] || make -s userspace >/dev/null
fi
if [ "$scale" = 1 ]; then
	[ -x tools/bench/qnet-circuits ] ||
		{ echo "bench: tools/bench/qnet-circuits not built" >&2; exit 1; }
	exec tools/vm-run --mem 4G --timeout "$timeout" -- tools/bench/qnet-scale "$@"
fi
[ -x tools/bench/qnet-bench ] || { echo "bench: tools/bench/qnet-bench not built" >&2; exit 1; }
exec tools/vm-run --timeout "$timeout" -- tools/bench/qnet-bench "$@"
