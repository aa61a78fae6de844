# SPDX-License-Identifier: GPL-2.0
#
# qnet top-level Makefile.
#
#   make              module, userspace and selftests
#   make check        install deps, build, run every test (unit + VM)
#   make check-debug  same under a KASAN/lockdep/kmemleak kernel built once
#   make check-deb    build the Debian packages, install and use them in the VM
#   make demo         install deps, build, boot the VM and show qnet at work
#   make lint         checkpatch.pl and sparse over the module
#   make install      module, headers, libqnet, qnetctl, qnet-model, the
#                     examples, man pages, bash completions, the iproute2
#                     plugin and the Wireshark dissector (DESTDIR,
#                     PREFIX=/usr/local, IPLIBDIR, WSPLUGINDIR;
#                     tools/install.sh)
#   make install-userspace  the same without the module (LIBDIR; the
#                     Debian packages: qnet-dkms builds the module)
#   make uninstall    remove exactly those files
#   make module-clean the module's build outputs only (dkms.conf's CLEAN)
#
# KVER selects the kernel to build against; it defaults to the kernel that
# Debian's linux-headers-amd64 metapackage points at (tools/kver).

TOP := $(CURDIR)
BUILD := $(TOP)/build

# Decided when a recipe first needs it (once), not when this file is read:
# check, check-debug and demo install linux-headers-amd64 (deps) before
# their scripts start the make and tools/vm-run that need it. Hence no
# `export`: what this make would have decided before deps must not reach
# them. KVER=... on the command line or in the environment still does.
KVER ?= $(eval KVER := $(shell $(TOP)/tools/kver))$(KVER)
KDIR ?= /lib/modules/$(KVER)/build

PREFIX ?= /usr/local

.PHONY: all module userspace selftests deps check check-debug check-deb check-pair demo lint clean \
	install install-userspace uninstall module-clean

all: module userspace selftests

module:
	@test -d $(KDIR) || { echo "qnet: no kernel build tree at $(KDIR);" \
		"install linux-headers-amd64 (or run tools/deps.sh)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules

userspace:
	$(MAKE) -C userspace

# libqnet_test links userspace/libqnet/libqnet.a
selftests: userspace
	$(MAKE) -C selftests

deps:
	@tools/deps.sh

check: deps
	@tools/check.sh

check-debug: deps
	@tools/check-debug.sh

# the Debian packages built, installed in the VM (DKMS), used and purged:
# about 15 minutes under TCG, so not part of check (Documentation/testing.rst)
check-deb: deps
	@tools/deb-test.sh

# a tunnel qlink between two guests (tools/vm-pair): about 40 s, two
# guests at once, so not part of check (Documentation/testing.rst)
check-pair: deps module userspace
	@selftests/tunnel_pair.sh

demo: deps
	@tools/demo.sh

lint:
	@tools/lint.sh

# Only the module is needed from the kernel side: no selftests.
install: module userspace
	@DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" LIBDIR="$(LIBDIR)" KVER="$(KVER)" \
		IPLIBDIR="$(IPLIBDIR)" WSPLUGINDIR="$(WSPLUGINDIR)" tools/install.sh install

# No kernel headers needed: debian/rules installs this way.
install-userspace: userspace
	@DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" LIBDIR="$(LIBDIR)" MODULE=0 \
		IPLIBDIR="$(IPLIBDIR)" WSPLUGINDIR="$(WSPLUGINDIR)" tools/install.sh install

uninstall:
	@DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" LIBDIR="$(LIBDIR)" KVER="$(KVER)" \
		IPLIBDIR="$(IPLIBDIR)" WSPLUGINDIR="$(WSPLUGINDIR)" tools/install.sh uninstall

# The module alone: what DKMS cleans (its copy of the source in
# /usr/src/qnet-VERSION has no userspace/ or selftests/).
module-clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	$(MAKE) -C tools/bench clean
