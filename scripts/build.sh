#!/bin/sh
# Configure and build vmguard out of tree in _build/ (the tree the tests use).
#   scripts/build.sh [configure options...]
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	./autogen.sh >/dev/null 2>&1 || ./autogen.sh
fi
mkdir -p _build
cd _build
if [ ! -f Makefile ] || [ ../configure -nt Makefile ]; then
	../configure -q --prefix=/usr --sysconfdir=/etc --localstatedir=/var "$@"
fi
make -s -j"$(nproc)"
echo "built in $TOP/_build"
