# Sourced by scripts/demo and scripts/test: make sure uv is on PATH (installs it from PyPI if not).
export UV_PYTHON_DOWNLOADS=never  # use the machine's Python 3.11+; no interpreter downloads
if ! command -v uv >/dev/null 2>&1; then
    echo "uv not found: installing it with pip (python3 -m pip install --user uv)" >&2
    python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
    export PATH="$HOME/.local/bin:$PATH"
fi
