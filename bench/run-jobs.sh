#!/usr/bin/env bash
# Seeds a database with 1,000 users and N jobs (default 100,000), starts HireMe in release
# mode on it, and measures the job board. Usage:
#   bench/run-jobs.sh sqlite [jobs] [concurrency] [seconds]
#   bench/run-jobs.sh postgres [jobs] [concurrency] [seconds]   (needs PostgreSQL on 127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-sqlite}
jobs=${2:-100000}
concurrency=${3:-32}
seconds=${4:-15}
cargo build --release --bin hireme --example loadtest
workdir=$(mktemp -d)
port=18082
case "$engine" in
  sqlite) url="sqlite://$workdir/bench.db" ;;
  postgres)
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS hireme_bench WITH (FORCE)"
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE hireme_bench"
    url="postgres://postgres@127.0.0.1:5432/hireme_bench" ;;
  *) echo "engine must be sqlite or postgres" >&2; exit 2 ;;
esac
target/release/examples/loadtest seed --database-url "$url" --users 1000 --posts 1000 --jobs "$jobs"
(
  cd "$workdir"
  DATABASE_URL="$url" PORT=$port RUST_LOG=warn DATABASE_POOL_SIZE=16 exec "$OLDPWD/target/release/hireme" serve
) &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
echo "engine: $engine, $jobs jobs; machine: $(nproc) cores"
target/release/examples/loadtest jobs --url "http://127.0.0.1:$port" --concurrency "$concurrency" --seconds "$seconds"
