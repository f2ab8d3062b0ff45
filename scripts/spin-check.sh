#!/usr/bin/env bash
# Model-check spec/model/*.pml with spin (issue 14): the answer rules never loop, no (key, nonce)
# is sealed twice, no datagram or message is delivered twice, every message is delivered or its
# sender told. See spec/model/README.md.
#
# Usage: bash scripts/spin-check.sh            the rules as proposed (must all pass)
#        SPIN_RULES=spec bash scripts/spin-check.sh
#                                              the same checks on the rules as spec/ states them
#                                              before issue 14: they must fail (CI's own test)
#        SPIN_JOBS=1 ...                       checks run in parallel, 2 by default
# Each check also has a guard that runs the pre-fix rules and must find the known violation,
# so that a model broken into passing vacuously fails CI too.
# Exit status: 0 all as expected, 1 a check failed, 2 spin or gcc missing.
set -uo pipefail
cd "$(dirname "$0")/.."
model_dir=spec/model

for tool in spin gcc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "spin-check: $tool is not installed (Debian: apt-get install -y spin gcc)" >&2
    exit 2
  fi
done

rules=${SPIN_RULES:-fixed}
case "$rules" in
  fixed) ANS=-DFIXED; RST="-DFIX_EPOCH -DFIX_STALE" ;;
  spec) ANS=; RST= ;;
  *) echo "spin-check: SPIN_RULES is fixed or spec, not $rules" >&2; exit 2 ;;
esac

# name | model | mode (safety or np) | expect: pass, or fail:<what pan must report> | spin defines
# The bounds keep every check exhaustive and the whole run under a minute on 2 cores.
checks=(
  "answers: no answer loop|answers.pml|np|pass|$ANS"
  "answers: no loop against a hub that never echoes|answers.pml|np|pass|$ANS -DBUGGY_H"
  "answers: no loop across a restart with state loss|answers.pml|np|pass|$ANS -DRESTARTS=1 -DTIMERS=2"
  "answers: no loop towards a hub that withholds its ACKs, early retransmission|answers.pml|np|pass|$ANS -DDEFER"
  "restarts: no nonce twice, no false conflict|restarts.pml|safety|pass|$RST -DREPLAYS=0 -DSENDS=3 -DNB=2 -DNREC=5"
  "restarts: no datagram delivered twice, hub restart|restarts.pml|safety|pass|$RST -DLOSSES=0 -DREPLAYS=2 -DRRESTARTS=1 -DSENDS=1 -DNB=2 -DNREC=4 -DTIMERS=1"
  "restarts: no datagram delivered twice, hub store wiped|restarts.pml|safety|pass|$RST -DLOSSES=0 -DREPLAYS=2 -DRRESTARTS=1 -DRWIPE -DSENDS=1 -DNB=2 -DNREC=4 -DTIMERS=1"
  "reliability: at most once, in order, honest ACKs|reliability.pml|safety|pass|"
  "reliability: unordered|reliability.pml|safety|pass|-DUNORDERED"
  "reliability: delivered or told, no deadlock|reliability.pml|safety|pass|-DLIVE"
  "reliability: delivered or told, no livelock|reliability.pml|np|pass|-DLIVE"
  "guard: the pre-fix answer rules loop|answers.pml|np|fail:non-progress cycle|"
  "guard: an early retransmission not limited to the first transmission loops|answers.pml|np|fail:non-progress cycle|$ANS -DDEFER -DEARLY_ANY"
  "guard: the pre-fix epoch rules reuse a nonce|restarts.pml|safety|fail:sealed|-DFIX_STALE -DREPLAYS=0 -DSENDS=3 -DNB=2 -DNREC=5"
  "guard: the pre-fix STALE rules report a false conflict|restarts.pml|safety|fail:conflict|-DFIX_EPOCH -DREPLAYS=0 -DSENDS=2 -DNB=2 -DNREC=5"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_check <index>: verify one check in its own directory; prints one line, exit 0 if as expected
run_check() {
  local idx=$1 line name model mode expect defines dir out verdict
  line=${checks[$idx]}
  IFS='|' read -r name model mode expect defines <<<"$line"
  dir="$work/$idx"
  mkdir -p "$dir"
  cp "$model_dir/$model" "$dir/"
  local t0=$SECONDS
  # shellcheck disable=SC2086
  if ! (cd "$dir" && spin -a $defines "$model" >spin.log 2>&1); then
    echo "FAIL  $name: spin -a $defines $model"; sed 's/^/      /' "$dir/spin.log"; return 1
  fi
  local cflags="-O1 -w -DNOBOUNDCHECK -DSFH -DMEMLIM=1024" run="./pan -m100000"
  if [ "$mode" = np ]; then cflags="$cflags -DNP"; run="$run -l"; else cflags="$cflags -DSAFETY"; fi
  # shellcheck disable=SC2086
  if ! (cd "$dir" && gcc $cflags -o pan pan.c >gcc.log 2>&1); then
    echo "FAIL  $name: gcc"; sed 's/^/      /' "$dir/gcc.log" | head -20; return 1
  fi
  out=$(cd "$dir" && $run 2>&1)
  local errors states complete=1
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' <<<"$out" | tail -1)
  states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' <<<"$out" | tail -1)
  grep -qE 'reached -DMEMLIM|out of memory|max search depth too small|Search not completed' <<<"$out" && complete=0
  # (pan also says "Search not completed" when it stops at the first error)
  if [ -z "$errors" ]; then
    verdict="FAIL  $name: pan gave no verdict"
  elif [ "$errors" != 0 ] && [ "${expect%%:*}" = fail ] && grep -q "${expect#fail:}" <<<"$out"; then
    verdict="ok    $name (found as expected: ${expect#fail:}, $((SECONDS - t0)) s)"
  elif [ "$errors" != 0 ]; then
    verdict="FAIL  $name: $(grep -m1 -E 'assertion violated|non-progress cycle|invalid end state' <<<"$out")"
  elif [ $complete = 0 ]; then
    verdict="FAIL  $name: search incomplete (raise the memory limit or lower the bounds)"
  elif [ "$expect" = pass ]; then
    verdict="ok    $name ($states states, $((SECONDS - t0)) s)"
  else
    verdict="FAIL  $name: no violation found, expected one"
  fi
  echo "$verdict   [$model $mode $defines]"
  if [ "${verdict:0:2}" = ok ]; then return 0; fi
  if [ "$errors" != 0 ] && [ -f "$dir/$model.trail" ]; then
    # shellcheck disable=SC2086
    (cd "$dir" && spin -t $defines "$model" 2>&1 | grep -v '^\s*$' | head -60 | sed 's/^/      /')
  fi
  return 1
}
export -f run_check
export work model_dir
export checks_file="$work/checks"
printf '%s\n' "${checks[@]}" >"$checks_file"

echo "spin-check: $(spin -V), rules: $rules, ${#checks[@]} checks"
start=$SECONDS
status=0
results=$(seq 0 $((${#checks[@]} - 1)) | xargs -P "${SPIN_JOBS:-2}" -I{} bash -c \
  'mapfile -t checks <"$checks_file"; run_check {}' ) || status=1
echo "$results"
echo "spin-check: $((SECONDS - start)) s"
if [ $status != 0 ]; then
  echo "spin-check: FAILED"
  exit 1
fi
echo "spin-check: ok"
