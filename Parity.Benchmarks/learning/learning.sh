#!/usr/bin/env bash
# Side-by-side learning benchmarks (issue #4): Parity's engines through `parity-runner train` against Debian's
# python3-sklearn on the same files, in one run. Usage: Parity.Benchmarks/learning/learning.sh [work dir]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-/tmp/parity-learning-bench}
mkdir -p "$work"
command -v jq >/dev/null || { echo "learning.sh needs jq (apt install jq)" >&2; exit 2; }
/usr/bin/python3 -c 'import sklearn' 2>/dev/null || { echo "learning.sh needs Debian's python3-sklearn (apt install python3-sklearn dataset-fashion-mnist)" >&2; exit 2; }

dotnet build "$root/Parity.Silo" -c Release -v quiet >/dev/null
runner=$root/Parity.Silo/bin/Release/net10.0/parity-runner
[ -f "$work/fashion-test.csv" ] || /usr/bin/python3 "$here/sklearn_reference.py" make-data "$work" "$root/datasets"

config() { # model_type model_config train_config
  printf '{"session_id":"bench","round_id":"1","model_type":"%s","dataset_cid":"local","data_format":"csv","model_config":%s,"partition_config":{"strategy":"random","total_parts":1,"part_index":0,"min_samples":1,"seed":1},"train_config":%s}' "$1" "$2" "$3" >"$work/task.json"
}
parity() { "$runner" train --config "$work/task.json" --data "$work/$1-train.csv" --test "$work/$1-test.csv"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for set in synthetic iris digits; do
  config random_forest '{"num_trees":100,"max_depth":10,"random_state":0}' '{}'
  ours=$(parity "$set")
  theirs=$(/usr/bin/python3 "$here/sklearn_reference.py" forest "$work" "$set" 100 10)
  jq -nr --argjson o "$ours" --argjson t "$theirs" --arg set "$set" \
    '"forest \($set): Parity fit \($o.training_time_ms/1000*100|round/100) s, test accuracy \($o.test.accuracy*10000|round/100) % | sklearn fit \($t.fit_s*100|round/100) s, accuracy \($t.accuracy*10000|round/100) % | time ratio \(($o.training_time_ms/1000/$t.fit_s)*1000|round/1000)"'
done
for spec in "digits 64 100" "fashion 128 10"; do
  read -r set hidden epochs <<<"$spec"
  config neural_network "{\"hidden_size\":$hidden}" "{\"epochs\":$epochs,\"batch_size\":200,\"learning_rate\":0.001,\"optimizer\":\"adam\",\"seed\":0}"
  ours=$(parity "$set")
  theirs=$(/usr/bin/python3 "$here/sklearn_reference.py" mlp "$work" "$set" "$hidden" "$epochs")
  jq -nr --argjson o "$ours" --argjson t "$theirs" --arg set "$set" --argjson e "$epochs" \
    '"mlp \($set) (\($e) epochs): Parity \($o.training_time_ms/$e*10|round/10) ms/epoch, test accuracy \($o.test.accuracy*10000|round/100) % | sklearn \($t.epoch_ms*10|round/10) ms/epoch, accuracy \($t.accuracy*10000|round/100) % | speed-up \(($t.epoch_ms/($o.training_time_ms/$e))*10|round/10)x"'
  if [ "$set" = digits ]; then
    # Per-epoch cost without the fixed start of a fresh process (Parity's JIT, sklearn's set-up): 3× the epochs.
    config neural_network "{\"hidden_size\":$hidden}" "{\"epochs\":$((3 * epochs)),\"batch_size\":200,\"learning_rate\":0.001,\"optimizer\":\"adam\",\"seed\":0}"
    ours3=$(parity "$set")
    theirs3=$(/usr/bin/python3 "$here/sklearn_reference.py" mlp "$work" "$set" "$hidden" $((3 * epochs)))
    jq -nr --argjson o "$ours" --argjson o3 "$ours3" --argjson t "$theirs" --argjson t3 "$theirs3" --argjson e "$epochs" \
      '(($o3.training_time_ms - $o.training_time_ms) / (2 * $e)) as $p | (($t3.fit_s - $t.fit_s) * 1000 / (2 * $e)) as $s |
       "mlp digits, epochs \($e + 1) to \(3 * $e): Parity \($p*1000|round/1000) ms/epoch (fixed \(($o.training_time_ms - $e * $p)|round) ms) | sklearn \($s*1000|round/1000) ms/epoch (fixed \(($t.fit_s * 1000 - $e * $s)*10|round/10) ms) | speed-up \(($s / $p)*10|round/10)x"'
  fi
done
