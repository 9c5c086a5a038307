#!/usr/bin/env bash
# One virtual environment per peer, from the package registry only, pinned; rnnlp's own
# environment is never touched. Usage (from the repository root):
#
#   bash benchmarks/peers/setup.sh PEER|all      PEER: flair opennmt recbole aeon wlm gru4rec
#
# Environments go to benchmarks/peers/envs/<peer>/ (ignored by git; PEERS_ENVS moves them).
# Each one gets status.json: {"peer", "ok", "error", "versions", "notes"}, which run.py reads
# and results/peers.md prints, so a peer that does not install is listed with the exact error.
#
# Peers that are repositories, not packages (GitHub is not always reachable, and their code is
# never copied into rnnlp), are read from a path the user passes:
#   WLM_PATH=/path/to/pytorch-examples/word_language_model   (its main.py, data.py, model.py)
#   GRU4REC_PATH=/path/to/GRU4Rec_PyTorch_Official          (Hidasi's gru4rec_pytorch.py)
# setup.sh only makes their environment (torch from the local wheel) and records the path.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ENVS="${PEERS_ENVS:-$HERE/envs}"
PY="${PEERS_PYTHON:-python3}"
TORCH="torch==2.13.0"          # the CPU build on local disk (find-links); never a CUDA download
ALL="flair opennmt recbole aeon wlm gru4rec"

status() {  # status PEER OK ERROR NOTES: write status.json with the env's pinned versions
  local dir="$ENVS/$1"
  local freeze=""
  [ -x "$dir/bin/pip" ] && freeze="$("$dir/bin/pip" freeze 2>/dev/null)"
  FREEZE="$freeze" "$PY" - "$dir/status.json" "$1" "$2" "$3" "$4" <<'PYEOF'
import json, os, sys
path, peer, ok, error, notes = sys.argv[1:]
versions = dict(line.split("==", 1) for line in os.environ["FREEZE"].splitlines() if "==" in line)
os.makedirs(os.path.dirname(path), exist_ok=True)
json.dump({"peer": peer, "ok": ok == "1", "error": error, "versions": versions, "notes": notes},
          open(path, "w"), indent=1)
PYEOF
  if [ "$2" = 1 ]; then echo "setup.sh: $1 ready ($dir)"; else echo "setup.sh: $1 FAILED: $3" >&2; fi
}

fresh() {  # a new venv with pip, or nothing
  rm -rf "$ENVS/$1" && "$PY" -m venv "$ENVS/$1" && "$ENVS/$1/bin/pip" install -q --upgrade "pip<26" >/dev/null
}

try() {  # try PEER LOGNAME CMD...: run a pip command, keep its log; on failure keep its error lines
  local log="$ENVS/$1/$2.log"; shift 2
  if "$@" >"$log" 2>&1; then rm -f "$log.err"; return 0; fi
  grep -E "^ERROR|error:|Error" "$log" | grep -v "^WARNING" | grep -v "ResolutionImpossible: for help" | tail -3 \
    | tr '\n' ' ' >"$log.err"
  return 1
}

err() { cat "$ENVS/$1/$2.log.err" 2>/dev/null; }

setup_flair() {
  fresh flair || { status flair 0 "venv creation failed" ""; return; }
  local pip="$ENVS/flair/bin/pip"
  if try flair torch "$pip" install "$TORCH" && try flair flair "$pip" install "flair==0.15.1" "gensim>=4.3"; then
    status flair 1 "" "flair 0.15.1 accepts torch>=1.13: torch 2.13.0 CPU from local disk"
  else status flair 0 "$(err flair torch)$(err flair flair)" ""; fi
}

setup_opennmt() {
  # OpenNMT-py 3.5.1 pins torch<2.3. The CPU wheels of such a torch live on download.pytorch.org;
  # PyPI's Linux wheels of torch<2.3 depend on the CUDA runtime packages (nvidia-*, several GB),
  # which this script refuses to pull. Fallback: eole (OpenNMT-py's successor) on torch 2.13.0.
  fresh opennmt || { status opennmt 0 "venv creation failed" ""; return; }
  local pip="$ENVS/opennmt/bin/pip" why=""
  if try opennmt torch "$pip" install "torch==2.2.2" --index-url https://download.pytorch.org/whl/cpu \
     && try opennmt onmt "$pip" install "OpenNMT-py==3.5.1"; then
    status opennmt 1 "" "OpenNMT-py 3.5.1 on torch 2.2.2 CPU from download.pytorch.org"; return
  fi
  why="OpenNMT-py 3.5.1 needs torch<2.3; its CPU wheel from download.pytorch.org did not install: $(err opennmt torch)"
  if grep -q "Name or service not known" "$ENVS/opennmt/torch.log"; then
    why="$why(pip: download.pytorch.org: Failed to establish a new connection: [Errno -2] Name or service not known)"
  fi
  # PyPI's own torch<2.3 for Linux x86_64: its wheel's METADATA only, through range requests (pip
  # would download ~3 GB of CUDA wheels even for --dry-run)
  local cuda
  cuda="$("$PY" "$HERE/wheel_requires.py" torch 2.2.2 cp311-cp311-manylinux1_x86_64 2>&1 \
          | grep -E "^(nvidia-|triton)|wheel_requires" | sed 's/ *;.*//; s/ *$//' | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
  why="$why; PyPI's torch 2.2.2 wheel for Linux x86_64 requires ${cuda:-nothing it could read} (the CUDA runtime, several GB), so it is not installed from PyPI"
  # eole 0.6.4's command line imports aiohttp (its load-test tool), which it does not declare
  if try opennmt torch213 "$pip" install "$TORCH" && try opennmt eole "$pip" install "eole==0.6.4" aiohttp; then
    status opennmt 1 "" "fallback eole 0.6.4 on torch 2.13.0, plus aiohttp (its CLI imports it undeclared) ($why)"
  else status opennmt 0 "$why; fallback eole 0.6.4: $(err opennmt torch213)$(err opennmt eole)" ""; fi
}

setup_recbole() {
  # RecBole 1.2.1 pins ray<=2.6.3, used only by its hyper-parameter search (not run here):
  # installed with --no-deps, then its runtime dependencies without ray.
  fresh recbole || { status recbole 0 "venv creation failed" ""; return; }
  local pip="$ENVS/recbole/bin/pip"
  if try recbole torch "$pip" install "$TORCH" && try recbole recbole "$pip" install --no-deps "recbole==1.2.1" \
     && try recbole deps "$pip" install "numpy<2" "scipy" "pandas<3" "tqdm" "colorlog==4.7.2" "colorama==0.4.4" \
        "scikit-learn" "pyyaml" "tensorboard" "thop" "tabulate" "plotly" "texttable" "psutil"; then
    status recbole 1 "" "recbole 1.2.1 installed with --no-deps (ray<=2.6.3 left out: only its hyper-parameter search needs it), runtime deps added; numpy<2 for its np.float/np.int uses"
  else status recbole 0 "$(err recbole torch)$(err recbole recbole)$(err recbole deps)" ""; fi
}

setup_aeon() {
  fresh aeon || { status aeon 0 "venv creation failed" ""; return; }
  if try aeon aeon "$ENVS/aeon/bin/pip" install "aeon==1.6.0"; then status aeon 1 "" "aeon 1.6.0 (MiniRocket)"
  else status aeon 0 "$(err aeon aeon)" ""; fi
}

setup_path_peer() {  # setup_path_peer PEER VAR FILE EXTRA...: torch env + the user's path, checked
  local peer="$1" var="$2" file="$3"; shift 3
  local path="${!var:-}"
  fresh "$peer" || { status "$peer" 0 "venv creation failed" ""; return; }
  if ! try "$peer" torch "$ENVS/$peer/bin/pip" install "$TORCH" "$@"; then
    status "$peer" 0 "$(err "$peer" torch)" ""; return
  fi
  if [ -z "$path" ] || [ ! -f "$path/$file" ]; then
    status "$peer" 0 "needs $var=/path/to/a checkout holding $file (a repository, not a package; GitHub is not reachable from this machine, so it is never fetched here)" ""
    return
  fi
  echo "$path" >"$ENVS/$peer/path.txt"
  status "$peer" 1 "" "code read from $path ($(git -C "$path" rev-parse --short=12 HEAD 2>/dev/null || echo 'not a git checkout'); $file sha256 $(sha256sum "$path/$file" | cut -c1-16))"
}

setup_wlm() { setup_path_peer wlm WLM_PATH main.py; }
setup_gru4rec() { setup_path_peer gru4rec GRU4REC_PATH gru4rec_pytorch.py "numpy<2" pandas; }

[ $# -eq 1 ] || { echo "usage: bash benchmarks/peers/setup.sh PEER|all  (PEER: $ALL)" >&2; exit 2; }
case " $ALL all " in *" $1 "*) ;; *) echo "setup.sh: unknown peer '$1'; choose from: $ALL all" >&2; exit 2;; esac
mkdir -p "$ENVS"
for peer in $([ "$1" = all ] && echo $ALL || echo "$1"); do "setup_$peer"; done
