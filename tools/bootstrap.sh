#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install what dpvoip needs to build, test and demo on Debian 12. Idempotent:
# only missing packages are fetched. Runs as root (a fresh Debian 12 root has no
# sudo), or as a user with sudo.
set -euo pipefail

PKGS=(
	build-essential pkg-config meson ninja-build python3
	dpdk libdpdk-dev liburcu-dev libjemalloc-dev libhyperscan-dev
	libcriterion-dev libinih-dev libjansson-dev
	iproute2 iputils-ping ethtool nftables sip-tester tcpdump procps util-linux kmod baresip-core
	kamailio rtpengine-daemon gnuplot-nox
	clang libclang-rt-14-dev clang-format git
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if ((${#missing[@]})); then
	echo "bootstrap: installing ${missing[*]}"
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || { echo "bootstrap: run as root (installs packages)"; exit 1; }
		SUDO=sudo
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The peers of bench/run.sh are started by the scripts from configs in bench/, pinned and
# stopped by their own PIDs: their packaged services are never enabled.
if command -v systemctl >/dev/null; then
	for svc in kamailio rtpengine-daemon; do
		if systemctl is-enabled -q "$svc" 2>/dev/null; then
			${SUDO:-} systemctl disable -q "$svc" 2>/dev/null || true
		fi
	done
fi
echo "bootstrap: all packages present"
