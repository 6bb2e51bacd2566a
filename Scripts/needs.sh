# Sourced by the scripts that build: installs liburing-dev and pkg-config with apt-get when
# missing (in a container that shares the host's headers, nothing), and iproute2 for the
# tests that make network namespaces.
need_install=0
pkg-config --exists liburing 2>/dev/null || need_install=1
command -v pkg-config >/dev/null 2>&1 || need_install=1
if [ "$need_install" = 1 ]; then
  if [ "${ESOCK_IN_CONTAINER:-0}" = 1 ] && [ -f /usr/include/liburing.h ]; then
    : # the container shares the host's headers
  else
    echo "$(basename "$0"): installing liburing-dev and pkg-config" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y liburing-dev pkg-config >/dev/null 2>&1 \
      || { apt-get update >/dev/null && apt-get install -y liburing-dev pkg-config >/dev/null; }
  fi
fi
command -v ip >/dev/null 2>&1 || apt-get install -y iproute2 >/dev/null 2>&1 || true
