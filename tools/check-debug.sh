#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: the VM selftest suite on a debug kernel (KASAN,
# lockdep, atomic-sleep checks, kmemleak), built once by
# tools/debug-kernel.sh. The module is built against that kernel in a copy
# (build/debug-module/) so the Debian-kernel objects in kernel/ stay as
# they are. Ends with the same "N passed, N failed" line as tools/check.sh.
set -euo pipefail

usage() {
	cat <<EOF
Usage: tools/check-debug.sh [--vm-timeout SECS]

Stages: debug kernel (build or reuse), build (userspace + selftests on the
host, qnet.ko against the debug kernel), VM suite under the debug kernel
(selftests/run.sh --kmemleak: any kmemleak report fails), VM runner
self-test. The last line of output is "N passed, N failed".

  --vm-timeout SECS  timeout of the VM suite boot (default: 3600)
  -h, --help         this text

Environment: QNET_TEST_TIMEOUT (per test program; default here 1200 s);
QNET_DEBUG_FUZZ_FRAMES, QNET_DEBUG_FUZZ_MSGS, QNET_DEBUG_STORM_FLAPS,
QNET_DEBUG_STORM_ROUNDS (sizes of fuzz_wire, fuzz_genl and storm_test).
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/check-common.sh
. "$top/tools/check-common.sh"

vm_timeout=3600
# KASAN+lockdep under TCG is several times slower than the Debian kernel:
# qlink_test alone took 460-625 s on a loaded 2-core host.
prog_timeout=${QNET_TEST_TIMEOUT:-1200}
while [ $# -gt 0 ]; do
	case "$1" in
	--vm-timeout) vm_timeout=${2:?--vm-timeout needs seconds}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

cd "$top"
# One check-debug at a time per tree: they share build/debug-module.
mkdir -p build
exec 8>build/check-debug.lock
if ! flock -n 8; then
	echo "# another make check-debug is running in this tree; waiting for it"
	flock 8
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dk="$top/build/debug-kernel/linux"
dm="$top/build/debug-module"

# A failed stage that makes the rest pointless: count it, summarize, stop.
give_up() {	# name, reason, log
	[ -f "$3" ] && tail -n 60 "$3"
	tap_fail "$1" "$2"
	stage_end
	summary || exit 1
}

# --- the debug kernel (about 10 min the first time, then cached) ---
stage_begin "debug kernel"
rc=0
# Streamed: the first build takes a while, its few progress lines matter.
tools/debug-kernel.sh 2>&1 | tee "$tmp/dk.log" | sed -u 's/^/# /' || rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || give_up debug-kernel "tools/debug-kernel.sh exited $rc" ""
# The bzImage: a KASAN kernel does not boot through the PVH entry of its
# ELF vmlinux on 6.1.
kernel="$dk/arch/x86/boot/bzImage"
stage_end

# --- build: host programs, and the module against the debug tree ---
stage_begin build
rc=0
make userspace selftests >"$tmp/build.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || give_up build "make userspace selftests exited $rc" "$tmp/build.log"
# Copy the module's sources (mtimes kept, so rebuilds stay incremental).
mkdir -p "$dm"
tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude=modules.order --exclude=Module.symvers \
	Kbuild kernel include | tar -C "$dm" -xf -
rc=0
make -C "$dk" ARCH=x86_64 M="$dm" W=1 modules >"$tmp/module.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || give_up debug-module "module build against the debug kernel failed" "$tmp/module.log"
grep -E 'warning:|error:' "$tmp/module.log" | sed 's/^/# /' || true
stage_end

# --- the selftest suite under the debug kernel, then a kmemleak scan ---
stage_begin "vm suite (debug kernel)"
rc=0
# the suite but the userspace-bound programs (selftests/Makefile DEBUG_SKIP)
mapfile -t progs < <(make -s -C selftests print-debug-progs)
echo "# debug suite: ${#progs[@]} programs; left to make check:" \
	"$(make -s -C selftests -p 2>/dev/null | sed -n 's/^DEBUG_SKIP := //p')"
# The fuzzers and storm_test at sizes that fit the debug suite's budget
# (Documentation/testing.rst, "Fuzzers and storms"); QNET_DEBUG_* to change.
fuzz_env=(QNET_FUZZ_FRAMES="${QNET_DEBUG_FUZZ_FRAMES:-10000}"
	  QNET_FUZZ_MSGS="${QNET_DEBUG_FUZZ_MSGS:-5000}"
	  QNET_STORM_FLAPS="${QNET_DEBUG_STORM_FLAPS:-20}"
	  QNET_STORM_ROUNDS="${QNET_DEBUG_STORM_ROUNDS:-1}")
tools/vm-run --kernel "$kernel" --ko "$dm/kernel/qnet.ko" --timeout "$vm_timeout" -- \
	env "${fuzz_env[@]}" \
	selftests/run.sh --timeout "$prog_timeout" --kmemleak "${progs[@]}" 2>&1 |
	tee "$tmp/vm.tap" || rc=${PIPESTATUS[0]}
tap_count "$tmp/vm.tap"
reason=$(vm_run_reason "$rc")
if [ -n "$reason" ]; then
	tap_fail vm-suite-debug "$reason (vm-run exit $rc)"
elif [ "$rc" != 0 ] && ! tap_has_failure "$tmp/vm.tap"; then
	tap_fail vm-suite-debug "selftests/run.sh exited $rc without a failed test"
fi
stage_end

# --- the runner under this kernel: a WARNING must fail the run ---
stage_begin "vm self-test (debug kernel)"
vm_splat_selftest --kernel "$kernel"
stage_end

summary
