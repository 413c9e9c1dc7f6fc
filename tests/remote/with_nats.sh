#!/usr/bin/env bash
# with_nats.sh - runs a command against a private NATS on loopback:
#   with_nats.sh [--serve LIB.so]... [--preload LIB.so]... [--cluster] -- CMD ARGS...
# Starts nats-server on a free loopback port (never a fixed one; --cluster:
# three routed nodes, the command talks to node 1 and the servers to node
# 3), one ffirt-serve per --serve, waits until each serves, then runs CMD
# with FFIRT_NATS_URL (and LD_PRELOAD of the --preload libraries). Every
# process it started is stopped on exit, also when CMD fails or the script is
# interrupted. Env: FFIRT_SERVE (the ffirt-serve binary), NATS_SERVER.
set -uo pipefail
SERVE=${FFIRT_SERVE:?FFIRT_SERVE must name the ffirt-serve binary}
NATS=${NATS_SERVER:-nats-server}
libs=() preload="" cluster=0
while [ $# -gt 0 ]; do
  case "$1" in
    --serve) libs+=("$2"); shift 2 ;;
    --preload) preload="${preload:+$preload:}$2"; shift 2 ;;
    --cluster) cluster=1; shift ;;
    --) shift; break ;;
    *) echo "with_nats.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
tmp=$(mktemp -d)
pids=()
cmdpid=""
cleanup() {
  # CMD runs in its own process group: whatever it started (ffirt-serve
  # processes of test_remote_faults) goes too, even if CMD crashed
  [ -n "$cmdpid" ] && kill -KILL -- "-$cmdpid" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "with_nats.sh: nothing listens on port $1" >&2
  return 1
}

if [ $cluster = 1 ]; then
  ports=() cports=()
  for i in 1 2 3; do ports+=("$(free_port)"); cports+=("$(free_port)"); done
  routes="nats-route://127.0.0.1:${cports[0]},nats-route://127.0.0.1:${cports[1]},nats-route://127.0.0.1:${cports[2]}"
  mport=$(free_port) # node 1's monitoring port: has the servers' interest reached it?
  for i in 0 1 2; do
    mon=()
    [ $i = 0 ] && mon=(-m "$mport")
    "$NATS" -a 127.0.0.1 -p "${ports[$i]}" "${mon[@]}" --cluster "nats://127.0.0.1:${cports[$i]}" \
      --cluster_name ffirt --routes "$routes" >"$tmp/nats$i.log" 2>&1 &
    pids+=($!)
  done
  for i in 0 1 2; do wait_port "${ports[$i]}" || exit 1; done
  client_url="nats://127.0.0.1:${ports[0]}"
  server_url="nats://127.0.0.1:${ports[2]}"
  # routes up: every node logs its two routes
  for _ in $(seq 1 100); do
    n=$(cat "$tmp"/nats*.log | grep -c "Route connection created" || true)
    [ "$n" -ge 6 ] && break
    sleep 0.05
  done
else
  port=$(free_port)
  "$NATS" -a 127.0.0.1 -p "$port" >"$tmp/nats.log" 2>&1 &
  pids+=($!)
  wait_port "$port" || exit 1
  client_url="nats://127.0.0.1:$port"
  server_url=$client_url
fi

i=0
for lib in "${libs[@]}"; do
  "$SERVE" --lib "$lib" --nats "$server_url" >"$tmp/serve$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    grep -q "serving" "$tmp/serve$i.log" && break
    sleep 0.05
  done
  grep -q "serving" "$tmp/serve$i.log" || { echo "with_nats.sh: ffirt-serve $lib did not start:" >&2; cat "$tmp/serve$i.log" >&2; exit 1; }
  if [ $cluster = 1 ]; then
    # Interest crosses routes asynchronously: a constructor published on node 1
    # before node 1 knows of the server's subscription on node 3 would get "no
    # responders". Wait until node 1 lists the constructor subject among the
    # subscriptions its routes brought (/routez?subs=1).
    name=$(basename "$lib" .so)
    name=${name#lib}
    routed=0
    for _ in $(seq 1 200); do
      if body=$( (exec 3<>/dev/tcp/127.0.0.1/"$mport" &&
        printf 'GET /routez?subs=1 HTTP/1.0\r\n\r\n' >&3 &&
        cat <&3) 2>/dev/null) && grep -qF "\"ffirt.$name.new.*\"" <<<"$body"; then
        routed=1
        break
      fi
      sleep 0.05
    done
    [ $routed = 1 ] || { echo "with_nats.sh: node 1 never learnt of ffirt-serve $lib's subscriptions" >&2; exit 1; }
  fi
  i=$((i + 1))
done

export FFIRT_NATS_URL=$client_url
export FFIRT_NATS_SERVER_URL=$server_url
if [ -n "$preload" ]; then
  LD_PRELOAD="$preload" setsid "$@" &
else
  setsid "$@" &
fi
cmdpid=$!
wait "$cmdpid"
rc=$?
[ $rc -ne 0 ] && for f in "$tmp"/*.log; do echo "---- $f" >&2; tail -20 "$f" >&2; done
exit $rc
