# The lab's terminal (started by `docchat-lab lab`): your usual bash start-up first, then the
# kit's environment ahead of anything it put on PATH, so `docchat-lab` and `python` are the kit's.
if [ -f "$HOME/.bashrc" ]; then
    . "$HOME/.bashrc"
fi
if [ -n "${DOCCHAT_LAB_BIN:-}" ]; then
    export PATH="$DOCCHAT_LAB_BIN:$PATH"
fi
