#!/usr/bin/env bash
# Builds HireMe in release mode, starts it on a fresh SQLite database on loopback with the
# login limits raised (the benchmark signs in from one address), runs the auth scenario and
# stops the server. Usage: bench/run-auth.sh [concurrency] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency=${1:-32}
seconds=${2:-20}
cargo build --release --bin hireme --example loadtest
workdir=$(mktemp -d)
port=18080
(
  cd "$workdir"
  PORT=$port RUST_LOG=warn RATE_LIMIT_LOGIN_PER_MINUTE=1000000 \
    RATE_LIMIT_LOGIN_FAILURES=1000000 exec "$OLDPWD/target/release/hireme" serve
) &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
echo "machine: $(nproc) cores, $(uname -m); argon2id m=19456 KiB t=2 p=1"
target/release/examples/loadtest auth --url "http://127.0.0.1:$port" --concurrency "$concurrency" --seconds "$seconds"
