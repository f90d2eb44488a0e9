# Teller's image: the app and the worker run from it with different commands.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
# Tesseract reads the machine-readable zone of passports in KYC (skipped where absent).
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr \
    && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY core core
COPY integrations integrations
COPY nlu nlu
COPY render render
COPY flows flows
COPY bots bots
COPY backoffice backoffice
COPY teller teller
RUN uv sync --frozen --no-dev && useradd --create-home teller
USER teller
ENV PATH="/app/.venv/bin:$PATH" TELLER_DATA_DIR=/home/teller/data TELLER_HOST=0.0.0.0
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["teller", "serve"]
