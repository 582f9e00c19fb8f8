#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, for tests/cluster/test_slurm.py.
#
#   tests/cluster/slurm.sh up     install Debian's slurm-wlm and munge if missing, write a one-node
#                                 configuration, start munged, slurmctld and slurmd, wait for the node
#   tests/cluster/slurm.sh down   stop exactly what `up` started and remove what it wrote
#                                 (the packages stay); safe to run twice or after a failed `up`
#
# Needs root and apt-get (Debian/Ubuntu) and no systemd: the daemons are plain background
# processes whose PIDs are kept in the state directory ($SLURM_TEST_STATE).
# Exit status 3: this machine cannot host the test cluster (not root, no apt-get, packages not
# installable, or a slurm.conf that is not ours); 1: it should have, and failed.
set -euo pipefail

STATE=${SLURM_TEST_STATE:-/var/lib/promoterbench-slurm}
# SLURM's default configuration path. It has to be this one: snakemake's SLURM jobstep plugin
# removes SLURM_CONF from a job's environment, so the `srun` inside every job reads only this path.
CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
GRES_CONF=$CONF_DIR/gres.conf
MARK="# written by promoterbench tests/cluster/slurm.sh; removed by 'slurm.sh down'"
MUNGE_KEY=/etc/munge/munge.key
NODE=localhost
CPUS=16  # as declared to SLURM: the profile asks 8 CPUs per training job (see below)
GPUS=2   # dummy GPUs: character devices that behave like /dev/null
WAIT_S=${SLURM_TEST_WAIT_S:-90}

log() { echo "slurm.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
cannot() { log "cannot run here: $*"; exit 3; }

# Remember a path this script created, so that `down` removes exactly those.
created() { echo "$1" >>"$STATE/created"; }

ours() { [[ -f $1 ]] && grep -qxF "$MARK" "$1"; }

install_packages() {
  local missing=()
  command -v munged >/dev/null || missing+=(munge)
  for cmd in slurmctld slurmd sbatch; do
    command -v "$cmd" >/dev/null || { missing+=(slurm-wlm); break; }
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || cannot "${missing[*]} missing and no apt-get to install them"
  log "installing ${missing[*]} with apt-get"
  # Package scripts must not start the daemons themselves (no config yet, and their PIDs would not
  # be ours): a policy-rc.d that says "no" for the duration of the install, unless one exists.
  local policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${missing[@]}" >"$STATE/apt.log" 2>&1 ||
    { apt-get update -q >>"$STATE/apt.log" 2>&1 &&
      apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$STATE/apt.log" 2>&1; } ||
    { tail -n 5 "$STATE/apt.log" >&2; cannot "apt-get install ${missing[*]} failed (above)"; }
}

write_config() {
  local mem_mb
  mem_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
  if [[ ! -d $CONF_DIR ]]; then mkdir -p "$CONF_DIR" && created "$CONF_DIR"; fi
  cat >"$CONF" <<EOF
$MARK
# One node (this machine) for tests; no accounting database, no cgroups, no systemd.
ClusterName=promoterbench
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/slurmctld.pidfile
SlurmdPidFile=$STATE/slurmd.pidfile
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
# No slurmdbd: sacct cannot answer, so the profile's status command must be squeue.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Processes tracked through /proc, no task binding: works without cgroups.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=256
# squeue keeps showing a finished job for this long; snakemake's SLURM plugin trusts squeue as
# its status command only when this is at least 120 s.
MinJobAge=300
ReturnToService=2
# The node is declared larger than this machine (CPUS CPUs): the profile asks --cpus-per-task=8
# for training, as a GPU node would give, and a job asking more CPUs than a node has pends
# forever. config_overrides makes slurmd use these figures instead of the hardware's.
SlurmdParameters=config_overrides
GresTypes=gpu
NodeName=$NODE CPUs=$CPUS RealMemory=$mem_mb Gres=gpu:$GPUS State=UNKNOWN
PartitionName=cpu Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$NODE MaxTime=INFINITE State=UP
EOF
  # Dummy GPUs: character devices 1,3 (like /dev/null), so that `--gpus=1` is scheduled for real.
  mkdir -p "$STATE/dev"
  local i
  for ((i = 0; i < GPUS; i++)); do mknod "$STATE/dev/gpu$i" c 1 3; done
  {
    echo "$MARK"
    echo "AutoDetect=off"
    echo "NodeName=$NODE Name=gpu File=$STATE/dev/gpu[0-$((GPUS - 1))]"
  } >"$GRES_CONF"
}

# Start "$@" in the background, its output in the log folder, and record its PID as $name.pid.
start() {
  local name=$1
  shift
  "$@" </dev/null >"$STATE/log/$name.out" 2>&1 &
  echo $! >"$STATE/$name.pid"
}

start_munge() {
  if munge -n </dev/null >/dev/null 2>&1; then
    log "munged already running; using it"
    return
  fi
  if [[ ! -f $MUNGE_KEY ]]; then
    mungekey --create --keyfile="$MUNGE_KEY" && created "$MUNGE_KEY"
    chown munge:munge "$MUNGE_KEY" && chmod 0400 "$MUNGE_KEY"
  fi
  # munged's socket folder lives on /run, which systemd-tmpfiles would create.
  if [[ ! -d /run/munge ]]; then
    mkdir -p /run/munge && chown munge:munge /run/munge && created /run/munge
  fi
  # As the munge user (setpriv execs, so the recorded PID is munged's own).
  start munged setpriv --reuid=munge --regid=munge --init-groups munged --foreground
  local i
  for ((i = 0; i < 50; i++)); do
    munge -n </dev/null >/dev/null 2>&1 && return
    sleep 0.2
  done
  die "munged did not start; see $STATE/log/munged.out and /var/log/munge/munged.log"
}

wait_for_node() {
  local state="" deadline=$((SECONDS + WAIT_S))
  while ((SECONDS < deadline)); do
    state=$(sinfo --noheader --nodes="$NODE" --format=%T 2>/dev/null | head -1) || true
    [[ $state == idle ]] && return
    sleep 0.5
  done
  tail -n 5 "$STATE"/log/slurmctld.log "$STATE"/log/slurmd.log >&2 || true
  die "node $NODE not idle after ${WAIT_S}s (state: '${state:-none}'); see the daemon logs in" \
    "$STATE/log/ (slurmctld.log, slurmd.log, *.out; their last lines above)"
}

up() {
  [[ $EUID -eq 0 ]] || cannot "must run as root (installs packages, writes $CONF)"
  if [[ -e $CONF ]] && ! ours "$CONF"; then
    cannot "$CONF exists and was not written by this script; refusing to overwrite it"
  fi
  if [[ -e $GRES_CONF ]] && ! ours "$GRES_CONF"; then
    cannot "$GRES_CONF exists and was not written by this script; refusing to overwrite it"
  fi
  if ours "$CONF"; then
    log "a previous cluster was left behind; taking it down first"
    down
  fi
  mkdir -p "$STATE/log" "$STATE/slurmctld" "$STATE/slurmd"
  install_packages
  write_config
  start_munge
  start slurmctld slurmctld -D
  start slurmd slurmd -D -N "$NODE"
  wait_for_node
  log "cluster up in ${SECONDS}s (node $NODE: $CPUS CPUs, $GPUS GPUs declared; partitions cpu, gpu)"
}

# Stop the process whose PID is in $STATE/$name.pid, if it is still the program we started.
stop() {
  local name=$1 pidfile="$STATE/$1.pid" pid i
  [[ -f $pidfile ]] || return 0
  pid=$(<"$pidfile")
  if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name ($pid) ignored SIGTERM for 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

# Cancel every job on our cluster: a job's processes (under slurmstepd) would outlive slurmd.
cancel_jobs() {
  [[ -f $STATE/slurmctld.pid ]] && ours "$CONF" || return 0
  local ids i
  ids=$(squeue --noheader --format=%i 2>/dev/null) || return 0
  [[ -n $ids ]] || return 0
  log "cancelling jobs still queued or running: ${ids//$'\n'/ }"
  # shellcheck disable=SC2086  # one argument per job id
  scancel $ids || true
  for ((i = 0; i < 100; i++)); do
    [[ -z $(squeue --noheader --format=%i 2>/dev/null) ]] && return
    sleep 0.2
  done
  log "jobs still listed after 20 s: $(squeue --noheader 2>&1 | tr '\n' ' ')"
}

down() {
  cancel_jobs
  stop slurmd
  stop slurmctld
  stop munged
  # what up wrote: the configuration (only ours), and anything it recorded as created
  ours "$GRES_CONF" && rm -f "$GRES_CONF"
  ours "$CONF" && rm -f "$CONF"
  if [[ -f $STATE/created ]]; then
    local path
    tac "$STATE/created" | while read -r path; do
      if [[ -d $path ]]; then rmdir "$path" 2>/dev/null || true; else rm -f "$path"; fi
    done
  fi
  rm -rf "$STATE"
  log "cluster down"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
