#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `ip link` and qlinks, as root inside the test VM: the kernel's
# IFLA_INFO_DATA (QLINK_INFO_*: fill_info, newlink, changelink) through
# Debian's own /usr/sbin/ip with the plugin userspace/iproute2/
# link_qlink.so, loaded from the tree through IP_LIB_DIR. Every value ip
# shows is checked against qnetctl's view of the same link (generic
# netlink, QNET_CMD_LINK_GET): the text of `ip -d link show` against the
# parameter line of `qnetctl link show`, character for character, and
# the JSON of `ip -j -d link show` against `qnetctl -j link show`, key by
# key, every one of the 17 parameters.

. "$(dirname "$0")/qnet_apps.sh"

export IP_LIB_DIR=$top/userspace/iproute2
NS=iq-b

# params_ip DEV [NETNS]: what ip -d prints after "qlink", up to continuous
params_ip() {
	ip ${2:+-n "$2"} -d link show "$1" |
		sed -n 's/^ *qlink \(.*continuous o[nf]*\) .*/\1/p'
}

# params_qnetctl DEV [NETNS]: qnetctl link show's parameter line, but the
# seed: qnetctl shows it to CAP_NET_ADMIN, ip -d never (a link dump or
# event reaches any user of the netns)
params_qnetctl() {
	"$QNETCTL" ${2:+-n "$2"} link show "$1" |
		sed -n '2{s/^ *//;s/ seed [0-9]*//;p}'
}

# same DEV [NETNS]: ip and qnetctl agree on every parameter of DEV
same() {
	local a b ij qj
	a=$(params_ip "$@")
	b=$(params_qnetctl "$@")
	echo "# ip:      $a"
	[ -n "$a" ] && [ "$a" = "$b" ] ||
		fail "$1: ip and qnetctl differ: qnetctl says '$b'" || return 1
	ij=$(ip ${2:+-n "$2"} -j -d link show "$1") || return 1
	qj=$("$QNETCTL" ${2:+-n "$2"} -j link show "$1") || return 1
	pycheck '
import json, sys
info = json.loads(sys.argv[1])[0]["linkinfo"]
q = json.loads(sys.argv[2])[0]
d = info.get("info_data", {})
keys = ["length_m", "atten_mdb_km", "index_milli", "attempt_rate_hz",
        "scheme", "alpha_ppm", "source_fidelity_ppm", "efficiency_ppm",
        "visibility_ppm", "dark_rate_hz", "slots", "t1_ns", "t2_ns",
        "cutoff_ns", "time_scale_permille", "continuous"]
ok = info["info_kind"] == "qlink" and sorted(d) == sorted(keys)
if "seed" in d:
    print("# FAIL: ip -d shows the seed")
    ok = False
if not ok:
    print("# FAIL: info_data keys %s" % sorted(d))
for k in keys:
    if d.get(k) != q.get(k):
        print("# FAIL: %s: ip %r, qnetctl %r" % (k, d.get(k), q.get(k)))
        ok = False
sys.exit(0 if ok else 1)' "$ij" "$qj"
}

# want DEV "PARAM VALUE..." [NETNS]: every PARAM VALUE pair is in ip's text
want() {
	local have
	have=" $(params_ip "$1" "$3") "
	set -- $2
	while [ $# -ge 2 ]; do
		case "$have" in
		*" $1 $2 "*) ;;
		*) fail "expected '$1 $2' in '$have'"; return 1 ;;
		esac
		shift 2
	done
}

nqlinks() {
	ip -o link show type qlink | wc -l
}

test_plugin_loads() {
	ip link help qlink 2>&1 | grep -q 'type qlink \[ peer PEER_OPTIONS \]' ||
		fail "ip does not load $IP_LIB_DIR/link_qlink.so"
}

# the peer options and the parameters in one command, in any order
test_add_with_params() {
	ip link add ql0 type qlink peer name ql1 mtu 1400 length 25km \
		scheme double-click t2 10ms slots 4 atten 0.25dB/km \
		efficiency 90% || return 1
	[ "$(cat /sys/class/net/ql1/mtu)" = 1400 ] || fail "peer mtu" || return 1
	want ql0 "length 25km scheme double-click t2 10ms slots 4 atten 0.25dB/km efficiency 90%" &&
		want ql1 "length 25km scheme double-click slots 4" &&
		same ql0 && same ql1
}

# the defaults (qlink_params_default) when none is given
test_add_defaults() {
	ip link add qd0 type qlink peer name qd1 || return 1
	local rc=0
	want qd0 "length 25km atten 0.2dB/km scheme single-click alpha 5% slots 1 t2 1s" &&
		same qd0 && same qd1 || rc=1
	ip link del qd0
	return $rc
}

# ip link set ... type qlink changes both ends, as qnetctl link set does
test_set() {
	ip link set ql1 type qlink length 10km rate 2MHz cutoff 50ms \
		time-scale 0.5 continuous on seed 42 dark 0 || return 1
	want ql0 "length 10km rate 2MHz cutoff 50ms time-scale 0.5 continuous on dark 0Hz" &&
		same ql0 && same ql1 || return 1
	# the seed was set, and only genetlink shows it (to root here)
	"$QNETCTL" -j link show ql0 | pycheck '
import json, sys
sys.exit(0 if json.load(sys.stdin)[0]["seed"] == 42 else 1)' ||
		fail "seed 42 not set by ip link set" || return 1
	ip link set ql0 type qlink continuous off && want ql1 "continuous off"
}

# bad_set WHY PARAMS...: `ip link set ql0 type qlink PARAMS` fails and
# changes nothing; the error must match WHY
bad_set() {
	local why=$1 before out
	shift
	before=$(params_ip ql0)
	if out=$(ip link set ql0 type qlink "$@" 2>&1); then
		fail "accepted: $*"
		return 1
	fi
	echo "# $*: $(echo "$out" | head -n1)"
	echo "$out" | grep -q "$why" || fail "error for '$*' is not '$why'" || return 1
	[ "$(params_ip ql0)" = "$before" ] || fail "'$*' changed something"
}

test_bad_input() {
	# the rtnl policy (the kernel points at the attribute)
	bad_set "out of range" slots 65 &&
		bad_set "out of range" length 2000km &&
		bad_set "out of range" source-fidelity 0.2 &&
		# qlink_set_params(): what depends on several parameters,
		# all or nothing (length is valid alone)
		bad_set "alpha_ppm" scheme single-click alpha 0 length 3km &&
		bad_set "success probability" length 1000km atten 1dB/km &&
		# the plugin's own grammar
		bad_set "not a valid length" length 3furlongs &&
		bad_set "unknown parameter" colour blue || return 1
	# a failed add leaves no device behind
	local n
	n=$(nqlinks)
	ip link add qbad type qlink peer name qbad1 alpha 0 2>/dev/null &&
		{ fail "alpha 0 single-click accepted"; return 1; }
	[ "$(nqlinks)" = "$n" ] || fail "a failed add left a qlink"
}

# the peer in another netns, its parameters seen from there
test_peer_netns() {
	ip netns add "$NS" || return 1
	ip link add qa type qlink peer name qb netns "$NS" length 5km \
		scheme direct || return 1
	local rc=0
	want qb "length 5km scheme direct" "$NS" && same qa && same qb "$NS" ||
		rc=1
	ip netns del "$NS"
	ip link del qa 2>/dev/null
	return $rc
}

# without the plugin ip still shows the link (the kind, nothing else)
test_without_plugin() {
	IP_LIB_DIR=/nonexistent ip -d link show ql0 | grep -q '^ *qlink' ||
		fail "ip without the plugin"
}

test_cleanup() {
	ip link del ql0 && [ "$(nqlinks)" = 0 ] || fail "qlinks left"
}

apps_main ip_qlink plugin_loads add_with_params add_defaults set bad_input \
	peer_netns without_plugin cleanup
