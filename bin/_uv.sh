# Shared by bin/run and bin/test: make sure the pinned uv is available.
UV_VERSION=0.13.9

ensure_uv() {
  if command -v uv >/dev/null 2>&1 && [ "$(uv --version | cut -d' ' -f2)" = "$UV_VERSION" ]; then
    return
  fi
  echo "installing uv $UV_VERSION" >&2
  python3 -m pip install --quiet --user "uv==$UV_VERSION" 2>/dev/null \
    || python3 -m pip install --quiet "uv==$UV_VERSION"
  export PATH="$HOME/.local/bin:$PATH"
  hash -r
}
