#!/usr/bin/env bash
# What authentication adds to the landing-page request (50 contacts: name, primary email,
# primary phone, company, status), measured with wrk against PostgreSQL holding demo contacts:
#
#   none   the server without authentication configured (requests run as the local administrator)
#   token  the server with JWTs configured, requests carrying an API token
#   jwt    the same server, requests carrying an RS256 JWT checked against a PEM public key
#
# The token and the JWT both act as one tenant-wide administrator, so all three answer the same
# page; the script checks that the answers are identical and error-free before it measures.
# Rounds alternate the servers so drift on a shared machine falls on every variant alike.
#
#   scripts/bench-auth.sh            # seed a new scratch database, then measure
#   REUSE=1 scripts/bench-auth.sh    # measure against the database seeded last time
#
# Throughput on a shared 2-core machine varies by 10-20 % between runs, more than the effect
# sought, so the script also counts the server's instructions per request under callgrind
# (repeatable whatever else the machine does): after warm-up requests, counters are zeroed,
# INSTR_REQUESTS requests are sent one after another, and the counts dumped.
#
# Settings: PG (server URL without database), BENCH_DB, CONTACTS, ROUNDS, DURATION (seconds per
# run), WARMUP (seconds of load before each run, not counted), CONNECTIONS, PORT,
# INSTR_REQUESTS (0 skips the instruction counts).
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${PG:-postgres://postgres@127.0.0.1:5432}
BENCH_DB=${BENCH_DB:-rapport_bench_auth}
CONTACTS=${CONTACTS:-10000}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
INSTR_REQUESTS=${INSTR_REQUESTS:-200}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18081}
BIN=target/release/rapport
ADMIN=bench.admin@rapport.example
ISSUER=https://idp.bench.example
AUDIENCE=rapport
export DATABASE_URL="$PG/$BENCH_DB"

if ! command -v wrk >/dev/null || ! command -v jq >/dev/null || ! command -v callgrind_control >/dev/null; then
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk jq valgrind >/dev/null 2>&1
fi

cargo build --release --locked --quiet

if [ "${REUSE:-0}" != 1 ]; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
    "$BIN" seed-demo --contacts "$CONTACTS" >/dev/null
    psql "$DATABASE_URL" -qc "VACUUM ANALYZE"
fi
echo "contacts: $(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM contacts")"

work=$(mktemp -d)
server=
stop_server() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
        server=
    fi
}
trap 'stop_server; rm -rf "$work"' EXIT

# An API token for a tenant-wide administrator (the command creates the user on first use).
api_token=$("$BIN" token create --user "$ADMIN" --name "bench $(date +%s)" 2>/dev/null)

# An RS256 key pair and a JWT for the same user, valid for the whole run.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/key.pem" 2>/dev/null
openssl pkey -in "$work/key.pem" -pubout -out "$work/public.pem"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
claims=$(printf '{"iss":"%s","aud":"%s","email":"%s","iat":%d,"exp":%d}' \
    "$ISSUER" "$AUDIENCE" "$ADMIN" "$now" $((now + 3600)) | b64url)
signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign "$work/key.pem" -binary | b64url)
jwt="$header.$claims.$signature"

# start_server none|auth [WRAPPER…]: the server, run by WRAPPER (such as valgrind) when given.
start_server() {
    local variant=$1 auth=()
    shift
    if [ "$variant" = auth ]; then
        auth=(RAPPORT_JWT_ISSUER="$ISSUER" RAPPORT_JWT_AUDIENCE="$AUDIENCE"
            RAPPORT_JWT_PUBLIC_KEY_FILE="$work/public.pem")
    fi
    env "${auth[@]}" "$@" "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$work/data" \
        >"$work/server-$variant.log" 2>&1 &
    server=$!
    for _ in $(seq 600); do
        curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && return
        sleep 0.2
    done
    echo "the server did not start: $(tail -5 "$work/server-$variant.log")" >&2
    exit 1
}

query='{ contacts(first: 50) { edges { node { name primaryEmail { email } primaryPhone { number } company { name } status } } } }'
body=$(jq -nc --arg query "$query" '{query: $query}')

# check VARIANT AUTHORIZATION: the answer must be error-free and equal to the unauthenticated one.
check() {
    local answer
    answer=$(curl -s -H 'content-type: application/json' ${2:+-H "authorization: $2"} \
        --data "$body" "http://127.0.0.1:$PORT/graphql" | jq -S .)
    if [ "$(jq '.errors // [] | length' <<<"$answer")" != 0 ] ||
        [ "$(jq '.data.contacts.edges | length' <<<"$answer")" != 50 ]; then
        echo "$1: unexpected answer: $(head -c 500 <<<"$answer")" >&2
        exit 1
    fi
    if [ -f "$work/answer" ]; then
        cmp -s "$work/answer" <(printf '%s\n' "$answer") ||
            { echo "$1: the answer differs from the unauthenticated one" >&2; exit 1; }
    else
        printf '%s\n' "$answer" >"$work/answer"
    fi
}

server_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }

# measure VARIANT AUTHORIZATION: one wrk run; appends "variant rps p50 p99" to the results.
measure() {
    cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
$([ -n "$2" ] && printf 'wrk.headers["authorization"] = "%s"' "$2")
wrk.body = [==[$body]==]
done = function(summary, latency, requests)
    io.stderr:write(string.format("RESULT %.1f %.2f %.2f %d %d\n", summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
            + summary.errors.timeout, summary.requests))
end
EOF
    wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$work/post.lua" "http://127.0.0.1:$PORT/graphql" >/dev/null 2>&1
    local result cpu_before cpu
    cpu_before=$(server_cpu_ticks)
    result=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$work/post.lua" \
        "http://127.0.0.1:$PORT/graphql" 2>&1 >/dev/null | grep '^RESULT')
    read -r _ rps p50 p99 errors requests <<<"$result"
    if [ "$errors" != 0 ]; then
        echo "$1: $errors of $requests requests failed" >&2
        exit 1
    fi
    # The server's own CPU time (user + system) per request, in milliseconds.
    cpu=$(awk -v ticks=$(($(server_cpu_ticks) - cpu_before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
        'BEGIN { printf "%.3f", ticks * 1000 / hz / n }')
    printf '%-6s %9.1f req/s   p50 %6.2f ms   p99 %6.2f ms   server CPU %5.3f ms/request   (%d requests)\n' \
        "$1" "$rps" "$p50" "$p99" "$cpu" "$requests"
    echo "$1 $rps $p50 $p99 $cpu" >>"$work/results"
}

for round in $(seq "$ROUNDS"); do
    echo "round $round of $ROUNDS ($CONNECTIONS connections, $DURATION s each)"
    start_server none
    check none ""
    measure none ""
    stop_server
    start_server auth
    check token "Bearer $api_token"
    check jwt "Bearer $jwt"
    measure token "Bearer $api_token"
    measure jwt "Bearer $jwt"
    stop_server
done

# instructions VARIANT AUTHORIZATION: the server's instructions per request, under callgrind.
instructions() {
    local n
    for _ in $(seq 20); do
        curl -s -o /dev/null -H 'content-type: application/json' ${2:+-H "authorization: $2"} \
            --data "$body" "http://127.0.0.1:$PORT/graphql"
    done
    callgrind_control -z "$server" >/dev/null 2>&1
    for _ in $(seq "$INSTR_REQUESTS"); do
        curl -s -o /dev/null -H 'content-type: application/json' ${2:+-H "authorization: $2"} \
            --data "$body" "http://127.0.0.1:$PORT/graphql"
    done
    rm -f "$work"/callgrind.out.*.[0-9]*
    callgrind_control -d "$server" >/dev/null 2>&1
    n=$(awk '/^(summary|totals):/ { print $2; exit }' "$work"/callgrind.out.*.[0-9]*)
    printf '%-6s %12.0f instructions/request  (%d requests)\n' "$1" "$((n / INSTR_REQUESTS))" "$INSTR_REQUESTS"
    echo "$1 $((n / INSTR_REQUESTS))" >>"$work/instructions"
}

if [ "$INSTR_REQUESTS" -gt 0 ]; then
    echo "server instructions per request (callgrind):"
    grind=(valgrind --tool=callgrind --quiet --callgrind-out-file="$work/callgrind.out.%p")
    start_server none "${grind[@]}"
    instructions none ""
    stop_server
    start_server auth "${grind[@]}"
    instructions token "Bearer $api_token"
    instructions jwt "Bearer $jwt"
    stop_server
    awk '{ n[$1] = $2 } END { for (v in n) if (v != "none") printf "%-6s %+6.2f%% instructions against none\n", v, (n[v] / n["none"] - 1) * 100 }' \
        "$work/instructions"
fi

echo "medians over $ROUNDS rounds:"
gawk '
    { n[$1]++; rps[$1][n[$1]] = $2; p50[$1][n[$1]] = $3; p99[$1][n[$1]] = $4; cpu[$1][n[$1]] = $5 }
    function median(values,    count) { count = asort(values); return values[int((count + 1) / 2)] }
    END {
        base = median(rps["none"]); base_cpu = median(cpu["none"])
        split("none token jwt", order, " ")
        for (i = 1; i <= 3; i++) {
            v = order[i]; r = median(rps[v]); c = median(cpu[v])
            printf "%-6s %9.1f req/s %+6.1f%%   p50 %6.2f ms   p99 %6.2f ms   server CPU %5.3f ms/request %+6.1f%%\n",
                v, r, (r / base - 1) * 100, median(p50[v]), median(p99[v]), c, (c / base_cpu - 1) * 100
        }
    }' "$work/results"
