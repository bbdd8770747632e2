#!/usr/bin/env bash
# Freeze-and-rollback drill: a bad version is published; stop the key so nodes freeze, lock the one node
# you are debugging on, roll back to the previous good version, resume, and watch nodes converge.
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
start_agent
good="$root/templates/hosts.rendered"
"$kvexpress" in -k hosts < "$good"
for node in web-1 web-2; do "$kvexpress" out -k hosts -f "$work/$node/hosts.consul" --hostname "$node" -q; done

step "a bad version goes out (every web instance points at a wrong address)"
sed 's/^10\.0\.1\./10.9.9./' "$good" | "$kvexpress" in -k hosts
"$kvexpress" out -k hosts -f "$work/web-1/hosts.consul" --hostname web-1
# diff exits as diff(1) does: 1 when the versions differ, as they do here.
status=0; "$kvexpress" diff -k hosts || status=$?
expect "diff says the versions differ (exit 1)" test "$status" -eq 1

step "freeze: stop the key; nodes halt (exit 4) instead of applying anything"
"$kvexpress" stop -k hosts -r "bad hosts file, rolling back"
status=0
"$kvexpress" out -k hosts -f "$work/web-2/hosts.consul" --hostname web-2 || status=$?
expect "out halts with 4 while stopped" test "$status" -eq 4

step "lock web-1, where we are looking at the bad file"
"$kvexpress" lock -f "$work/web-1/hosts.consul" --hostname web-1 -r "keep the bad file for the post-mortem"
"$kvexpress" status

step "roll back: last becomes current (works while stopped), then resume"
"$kvexpress" rollback -k hosts
"$kvexpress" resume -k hosts
for node in web-1 web-2; do "$kvexpress" out -k hosts -f "$work/$node/hosts.consul" --hostname "$node" --soft || true; done
expect "web-2 is on the good version" grep -q '^10.0.1.11 ' "$work/web-2/hosts.consul"
expect "web-1 kept the bad file (locked)" grep -q '^10.9.9.11 ' "$work/web-1/hosts.consul"

step "unlock web-1: it converges too"
"$kvexpress" unlock -f "$work/web-1/hosts.consul" --hostname web-1
"$kvexpress" out -k hosts -f "$work/web-1/hosts.consul" --hostname web-1
expect "web-1 converged" grep -q '^10.0.1.11 ' "$work/web-1/hosts.consul"
step "done"
