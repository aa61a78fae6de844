#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317  # the test functions run through check()
#
# libqnet's ABI is what libqnet.map and libqnet.h say, on the build tree
# (host, part of `make -C userspace/libqnet check`). Prints TAP.
#
#  - the soname is libqnet.so.MAJOR, MAJOR.MINOR of the file name, the
#    Makefile, LIBQNET_VERSION_MAJOR/MINOR of the header and the newest
#    node of the map agree
#  - the library exports exactly the functions the map names, each at
#    the node that names it (and no data)
#  - the header declares exactly the functions the map names
#  - no structure of libqnet's own is laid out in the header: every
#    struct the header names and <linux/qnet.h> does not define is
#    incomplete to a program (sizeof does not compile), so no field
#    offset or size is part of the ABI
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
lib=$top/userspace/libqnet
hdr=$lib/include/qnet/libqnet.h
uapi=$top/include/uapi/linux/qnet.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make_var() {	# var
	# shellcheck disable=SC2016
	make -s --no-print-directory -C "$lib" -f Makefile \
		-f <(printf 'qnet-print-%%:\n\t@echo $(%s)\n' '$*') "qnet-print-$1"
}

major=$(make_var MAJOR)
minor=$(make_var MINOR)
so=$lib/libqnet.so.$(make_var VERSION)

n=0
failed=0
check() {	# name cmd...
	local name=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n $name"
	else
		failed=1
		echo "not ok $n $name"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

# "name@@NODE" for every name the global part of a node of the map lists.
map_symbols() {
	sed -e 's|/\*.*\*/||' "$lib/libqnet.map" | awk '
		/^[A-Za-z_0-9.]+[ \t]*\{/ { node = $1; sub(/\{.*/, "", node); glob = 0; next }
		/global:/ { glob = 1; next }
		/local:/ { glob = 0; next }
		/^}/ { glob = 0; next }
		glob && /^[ \t]*[A-Za-z_][A-Za-z_0-9]*;/ {
			s = $1; sub(/;.*/, "", s); print s "@@" node }' | sort
}

# The header's own text without its comments (its #includes not expanded).
header_text() {
	gcc -fpreprocessed -dD -E -P -x c "$hdr"
}

versions() {
	local hmaj hmin newest
	readelf -d "$so" | grep -q "Library soname: \[libqnet.so.$major\]" ||
		{ echo "soname is not libqnet.so.$major"; return 1; }
	hmaj=$(awk '$2 == "LIBQNET_VERSION_MAJOR" {print $3}' "$hdr")
	hmin=$(awk '$2 == "LIBQNET_VERSION_MINOR" {print $3}' "$hdr")
	[ "$hmaj.$hmin" = "$major.$minor" ] ||
		{ echo "header says $hmaj.$hmin, Makefile $major.$minor"; return 1; }
	newest=$(map_symbols | sed 's/.*@@LIBQNET_//' | sort -uV | tail -n1)
	[ "$newest" = "$major.$minor" ] ||
		{ echo "newest node of libqnet.map is LIBQNET_$newest"; return 1; }
}

exports() {
	local got
	got=$(nm -D --defined-only "$so" | awk '$2 != "A" {print $3 " " $2}' | sort)
	# functions only: a variable's size would be ABI
	if printf '%s\n' "$got" | awk '$2 != "T"' | grep .; then
		echo "^ exported, not a function"
		return 1
	fi
	diff -u <(map_symbols) <(printf '%s\n' "$got" | awk '{print $1}') ||
		{ echo "(- in the map, not exported as such; + exported, not in the map)"; return 1; }
}

declared() {
	local decl
	# a declaration is "name(" at the start of a declarator
	decl=$(header_text | grep -v '^#' | tr '\n' ' ' |
	       grep -oE '\bqnet_[a-z0-9_]+ *\(' | sed 's/ *(//' | sort -u)
	diff -u <(map_symbols | sed 's/@@.*//') <(printf '%s\n' "$decl") ||
		{ echo "(- in the map, not declared; + declared, not in the map)"; return 1; }
}

opaque() {
	local s bad=0 uapi_structs
	uapi_structs=$(grep -oE '^struct [a-z_0-9]+ \{' "$uapi" | awk '{print $2}')
	# the header itself lays out no structure or union
	if header_text | grep -v '^#' | grep -nE '\b(struct|union)( [a-z_0-9]+)? *\{'; then
		echo "^ a layout in libqnet.h"
		bad=1
	fi
	for s in $(header_text | grep -oE 'struct qnet_[a-z_0-9]+' | awk '{print $2}' | sort -u); do
		printf '%s\n' "$uapi_structs" | grep -qx "$s" && continue
		printf '#include <qnet/libqnet.h>\nunsigned long x = sizeof(struct %s);\n' "$s" >"$tmp/t.c"
		if gcc -fsyntax-only -I"$lib/include" -I"$top/include/uapi" "$tmp/t.c" 2>/dev/null; then
			echo "struct $s is complete in libqnet.h"
			bad=1
		fi
	done
	return "$bad"
}

echo "TAP version 13"
echo "1..4"
[ -f "$so" ] || { echo "Bail out! $so not built (make -C userspace/libqnet)"; exit 1; }
check "abi: soname libqnet.so.$major, versions agree ($major.$minor)" versions
check "abi: exports are exactly libqnet.map's functions, at their nodes" exports
check "abi: libqnet.h declares exactly libqnet.map's functions" declared
check "abi: libqnet's own structures are opaque in libqnet.h" opaque
exit $failed
