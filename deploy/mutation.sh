#!/usr/bin/env bash
# Mutation testing with Stryker.NET over the rooms where a bug is a security hole or a wrong model, each room against
# its own tests. Slow (every mutant reruns the tests that cover it), so it is not part of CI: run it at the end of a
# change to one of these rooms, and record the scores in docs/testing.md.
#
#   deploy/mutation.sh [ROOM[:PART]...]   rooms: security execution tasks models forest partitioning (default: all)
#
# A PART mutates only some of a room's files (against all of the room's tests), for rooms too big to run in one
# sitting on a small machine: execution:core|sandbox|docker, forest:trees|federated, tasks:grains|routing. The parts of
# a room cover its files exactly once, so the room's score is the sum of its parts' counts.
#
# The room's tests need the test engines: run it with the PARITY_TEST_* variables of a running set (deploy/test.sh
# prints how they are started), e.g. after `./deploy/redis.sh start --port 6390` and friends.
# Reports go to TestResults/mutation/<room>/ (Stryker's HTML and JSON); a summary line per room is printed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

version=5.1.0
tools=${XDG_CACHE_HOME:-$HOME/.cache}/parity/stryker-$version
if [ ! -x "$tools/dotnet-stryker" ]; then
  dotnet tool install dotnet-stryker --version "$version" --tool-path "$tools" >/dev/null
fi

# room → project under test | files to mutate (relative to that project) | the room's tests
declare -A project mutate tests
project[security]=Parity.Gateway/Parity.Gateway.csproj;  mutate[security]='Security/**/*.cs'
tests[security]='FullyQualifiedName~Parity.Tests.Gateway'
project[execution]=Parity.Grains/Parity.Grains.csproj;   mutate[execution]='Execution/**/*.cs'
# The room's keys are read and checked where every room's are (Configuration), so those tests are the room's too.
tests[execution]='FullyQualifiedName~Parity.Tests.Execution|FullyQualifiedName~Parity.Tests.Configuration.ParityOptionsTests'
project[tasks]=Parity.Grains/Parity.Grains.csproj;       mutate[tasks]='Tasks/**/*.cs'
tests[tasks]='FullyQualifiedName~Parity.Tests.Cluster.TaskLifecycleTests|FullyQualifiedName~Parity.Tests.Cluster.TaskIndexTests|FullyQualifiedName~Parity.Tests.Cluster.RetentionTests|FullyQualifiedName~Parity.Tests.Cluster.LapsedLeaseTests|FullyQualifiedName~Parity.Tests.Cluster.LostRenewalTests|FullyQualifiedName~Parity.Tests.Cluster.TaskAdmissionTests|FullyQualifiedName~Parity.Tests.Cluster.TaskIndexUpdatesTests|FullyQualifiedName~Parity.Tests.Cluster.LongOutputTests|FullyQualifiedName~Parity.Tests.Cluster.ReportingAttemptTests'
project[models]=Parity.Learning/Parity.Learning.csproj;  mutate[models]='Models/**/*.cs'
tests[models]='FullyQualifiedName~Parity.Tests.Learning.Models|FullyQualifiedName~Parity.Tests.Learning.ConfigKeysTests|FullyQualifiedName~Parity.Tests.Learning.FedProx'
project[forest]=Parity.Learning/Parity.Learning.csproj;  mutate[forest]='Forest/**/*.cs'
tests[forest]='FullyQualifiedName~Parity.Tests.Learning.Forest|FullyQualifiedName~Parity.Tests.Learning.ConfigKeysTests|FullyQualifiedName~Parity.Tests.Learning.Models.LearningBoundsTests'
project[partitioning]=Parity.Learning/Parity.Learning.csproj; mutate[partitioning]='Partitioning/**/*.cs'
tests[partitioning]='FullyQualifiedName~Parity.Tests.Learning.Partition|FullyQualifiedName~Parity.Tests.Learning.SeededRandomTests|FullyQualifiedName~Parity.Tests.Federation.HeldOutSplitTests'

# room:part → the room's files that part mutates (globs relative to the room's project)
declare -A parts
parts[execution:core]='Execution/*.cs'
parts[execution:sandbox]='Execution/Sandbox/**/*.cs'
parts[execution:docker]='Execution/Docker/**/*.cs'
parts[forest:trees]='Forest/DecisionTree.cs Forest/NodeSplitter.cs Forest/TreeGrower.cs Forest/RandomForest.cs Forest/ForestTrainer.cs Forest/ForestRandom.cs Forest/ForestData.cs Forest/BinEdges.cs'
parts[forest:federated]='Forest/FederatedForestPlan.cs Forest/ForestAggregation.cs Forest/ForestHistogramCoordinator.cs Forest/ForestHistogramParticipant.cs Forest/HistogramWire.cs Forest/ForestSerializer.cs Forest/ForestOptions.cs Forest/ForestOptionsJson.cs'
parts[tasks:grains]='Tasks/TaskGrain.cs Tasks/TaskGrain.Dispatch.cs Tasks/TaskQueueGrain.cs Tasks/TaskIndexGrain.cs Tasks/TaskAdmission.cs Tasks/TaskIndexUpdates.cs'
parts[tasks:routing]='Tasks/DirectoryTaskRouter.cs Tasks/HintedPlacement.cs Tasks/IndexShardPlacement.cs Tasks/LiveOutputRelay.cs Tasks/TaskHandlers.cs Tasks/TaskMetrics.cs Tasks/TaskRoute.cs Tasks/TaskSummaries.cs Tasks/TaskRecord.cs Tasks/TaskIndexRecord.cs Tasks/ITaskRouter.cs Tasks/ITaskFinishedHook.cs'

rooms=("$@")
[ ${#rooms[@]} -eq 0 ] && rooms=(security execution tasks models forest partitioning)
summary=()
for name in "${rooms[@]}"; do
  room=${name%%:*}
  if [ -z "${project[$room]:-}" ]; then echo "mutation.sh: unknown room '$room'" >&2; exit 2; fi
  globs=("${mutate[$room]}")
  if [ "$name" != "$room" ]; then
    if [ -z "${parts[$name]:-}" ]; then echo "mutation.sh: unknown part '$name'" >&2; exit 2; fi
    read -r -a globs <<< "${parts[$name]}"
  fi
  args=()
  for glob in "${globs[@]}"; do args+=(--mutate "**/$glob"); done
  out="$root/TestResults/mutation/${name/:/-}"
  rm -rf "$out"
  (cd Parity.Tests && "$tools/dotnet-stryker" --project "$(basename "${project[$room]}")" \
      --test-project Parity.Tests.csproj "${args[@]}" --test-case-filter "${tests[$room]}" \
      --configuration Release --concurrency 1 --reporter json --reporter html --reporter progress \
      --output "$out" --skip-version-check)
  report=$(find "$out" -name mutation-report.json | head -1)
  # Score as Stryker counts it: killed + timeout over every mutant that compiled and that a test covers.
  line=$(grep -o '"status":"[A-Za-z]*"' "$report" | sort | uniq -c | awk -v room="$name" '
    { gsub(/"status":"|"/, "", $2); n[$2] = $1 }
    END {
      detected = n["Killed"] + n["Timeout"]; undetected = n["Survived"] + n["NoCoverage"]
      total = detected + undetected
      printf "%s: %.1f %% (%d killed, %d timeout, %d survived, %d not covered)", room,
        total ? 100 * detected / total : 0, n["Killed"], n["Timeout"], n["Survived"], n["NoCoverage"]
    }')
  summary+=("$line")
done
printf '%s\n' "${summary[@]}"
