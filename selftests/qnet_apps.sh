# SPDX-License-Identifier: GPL-2.0
#
# Shared by the application selftests (qkd_test.sh, qping_test.sh,
# qnet_topo_test.sh): paths, a TAP runner, module load/unload, and a
# python3 check of JSON documents. Sourced, not run.

export LC_ALL=C
top=${QNET_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
QNETCTL=${QNETCTL:-$top/userspace/qnetctl/qnetctl}
QNET_KO=${QNET_KO:-$top/kernel/qnet.ko}
QPING=$top/userspace/examples/qping
QKD=$top/userspace/examples/qkd
QTOPO=$top/tools/qnet-topo
QTOP=$top/tools/qnet-top
QMODEL=$top/userspace/model/qnet-model
PY=$(command -v python3 || true)
tmp=$(mktemp -d)
loaded=0
ksft_skip=4
topos=()		# files `qnet-topo up` built, torn down at exit

fail() {
	echo "# FAIL: $*"
	return 1
}

apps_cleanup() {
	local f
	for f in "${topos[@]}"; do
		"$QTOPO" down "$f" >/dev/null 2>&1
	done
	if [ "$loaded" = 1 ]; then
		# namespaces die asynchronously; their qlinks go with them
		for _ in $(seq 20); do
			rmmod qnet 2>/dev/null && break
			sleep 0.5
		done
	fi
	rm -rf "$tmp"
}
trap apps_cleanup EXIT

topo_up() {	# FILE
	topos+=("$1")
	"$QTOPO" up "$1" || fail "qnet-topo up $1"
}

topo_down() {	# FILE
	"$QTOPO" down "$1" || fail "qnet-topo down $1"
}

# pycheck SCRIPT [ARG...]: run python3 SCRIPT; it prints "# ..." lines and
# exits non-zero on failure.
pycheck() {
	local script=$1
	shift
	"$PY" -c "$script" "$@"
}

# apps_main PREFIX TEST...: load qnet, run test_TEST for each, print TAP.
apps_main() {
	local prefix=$1 t n=0 failed=0 start result
	shift

	echo "TAP version 13"
	if [ "$(id -u)" != 0 ] || [ -z "$PY" ] || [ ! -x "$QNETCTL" ] ||
	   [ ! -x "$QKD" ] || [ ! -x "$QPING" ]; then
		echo "1..0 # SKIP needs root, python3, qnetctl and the examples (make userspace)"
		exit $ksft_skip
	fi
	if [ ! -d /sys/module/qnet ]; then
		insmod "$QNET_KO" || { echo "Bail out! insmod $QNET_KO failed"; exit 1; }
		loaded=1
	fi
	echo "1..$#"
	for t in "$@"; do
		n=$((n + 1))
		start=$SECONDS
		if "test_$t"; then
			result=ok
		else
			result="not ok"
			failed=$((failed + 1))
		fi
		echo "# $t: $((SECONDS - start)) s"
		echo "$result $n $prefix.$t"
	done
	echo "# $((n - failed)) passed, $failed failed"
	[ "$failed" = 0 ]
}

# wait_listen NS PORT: until an AF_QNET socket listens on PORT in NS
# (a program started in the background may not be listening yet)
wait_listen() {
	local i
	for i in $(seq 100); do
		ip netns exec "$1" cat /proc/net/qnet 2>/dev/null |
			awk -v p=":$2" '$2 == "LISTEN" && $3 ~ p "$" { f = 1 } END { exit !f }' &&
			return 0
		sleep 0.1
	done
	fail "nothing listens on port $2 in $1"
}
