#!/usr/bin/env bash
# Reproduces the README's comparison table and plot: builds Pooler and the bench, installs PgBouncer and
# pgbench from the package manager when they are missing, raises the open-file limit for the
# 10,000-client scenario, and runs the comparison. Arguments go to `pooler-bench.jar compare`
# (--rounds, --duration, --scenarios, --pgbouncer-latest PATH, --pooler-jfr, ...; see --help).
#
#   bench/run-comparison.sh                      # the full run, about 15 minutes on 2 cores
#   bench/run-comparison.sh --rounds 1 --duration 3 --out /tmp/quick
#   bench/run-comparison.sh fleet --rounds 2      # the Odoo fleet instead (`pooler-bench.jar fleet`), about 12 minutes
#   bench/run-comparison.sh pin-cost --rounds 3 --duration 10
#                                                 # scenario 1 against Pooler with pin_on_session_state = 1 and = 0,
#                                                 # alternating: what the session-state scan costs per query
#                                                 # (results in bench/results/pin-cost unless --out is given)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
# PgBouncer: the distribution's package, the version the README compares against.
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || packages+=(pgbouncer)
# pgbench: Debian ships it with the server package (the bench only runs the client; its server stays unused).
command -v pgbench >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/pgbench" >/dev/null || packages+=(postgresql)
# Fonts: java.awt draws the plot's text with them.
fc-list 2>/dev/null | grep -q . || packages+=(fontconfig fonts-dejavu-core)
if [ ${#packages[@]} -gt 0 ]; then
  echo "Installing ${packages[*]}..."
  if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

# 10,000 client connections need 10,000 descriptors in the bench and as many in each pooler.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 11000 ]; then
  echo "The open-file limit is $(ulimit -n); scenario 5 needs 11000. Raise the hard limit (as root: ulimit -n 65536)." >&2
  exit 1
fi

mvn -B -q package -DskipTests
if [ "${1:-}" = fleet ]; then
  shift
  exec java -jar bench/target/pooler-bench.jar fleet "$@"
fi
if [ "${1:-}" = pin-cost ]; then
  shift
  out=()
  case " $* " in *" --out "*|*" --out="*) ;; *) out=(--out bench/results/pin-cost) ;; esac
  exec java -jar bench/target/pooler-bench.jar compare --scenarios 1 --targets pooler,pooler-nopin "${out[@]}" "$@"
fi
exec java -jar bench/target/pooler-bench.jar compare "$@"
