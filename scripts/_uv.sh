# Sourced by scripts/demo, scripts/test and .ci/run: uv on PATH (installed from PyPI with pip if missing),
# and `need_debs BINARY:PACKAGE …` to apt-get install the Debian packages whose binaries are missing.
export UV_PYTHON_DOWNLOADS=never  # use the machine's Python 3.11+; no interpreter downloads
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
    echo "uv not found: installing it with pip (python3 -m pip install --user uv)" >&2
    python3 -m pip install --quiet --user uv || python3 -m pip install --quiet --break-system-packages uv || python3 -m pip install --quiet uv
fi

# golive's own modules compiled to bytecode, as an installed wheel's are (uv compiles only what it
# installs, and these machines set PYTHONDONTWRITEBYTECODE=1): ~0.1 s off every command. 0.4 s once.
compile_golive() {
    uv run --no-sync python -m compileall -q golive_tui >/dev/null
}

need_debs() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo=(sudo); }
    if [ "$(id -u)" = 0 ] || [ ${#sudo[@]} -gt 0 ]; then
        echo "installing Debian packages: ${missing[*]}" >&2
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "missing Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]}); their tests will fail" >&2
    fi
}

# What the real-server tests start: Prometheus and Alertmanager, tmux (TUI over a terminal), kubectl (the
# seed's commands), chromium (the browser view), ssh-keygen (signatures), git (the clone check).
TEST_DEBS=(prometheus:prometheus promtool:prometheus prometheus-alertmanager:prometheus-alertmanager tmux:tmux
           kubectl:kubernetes-client chromium:chromium ssh-keygen:openssh-client git:git)
