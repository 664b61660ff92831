# One image for every warn process: serve, worker, scheduler and the migrate job.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WARN_TEMPLATES=/app/templates

WORKDIR /app

# README.md is named by pyproject.toml as the package's long description.
COPY pyproject.toml README.md ./
COPY warn ./warn
COPY workers ./workers
RUN pip install .

# Installed into site-packages, the code cannot find <repo>/templates: it reads
# WARN_TEMPLATES (set above) instead.
COPY templates ./templates

RUN useradd --system --uid 10001 --home-dir /app warn
USER warn

EXPOSE 8000
CMD ["warn", "serve", "--host", "0.0.0.0"]
